import { WithStartWorkflowOperation, type Client, type WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { expect } from 'vitest';
import { upsertPerson } from '../../src/db/record-store/writes';
import { IdentityProtection } from '../../src/db/persons';
import { parseIdentityNumber } from '../../src/domain/identity-number';
import type { SealedPerson } from '../../src/domain/record';
import type { RepairRoute } from '../../src/domain/repair';
import type { LocalDate } from '../../src/domain/working-days';
import type { CivicEventInput } from '../../src/workflows/civic-feed/contract';
import { civicEventWorkflow } from '../../src/workflows/civic-feed/event';
import { fileRepairUpdate, repairQuery } from '../../src/workflows/repair/contract';
import { repairWorkflow } from '../../src/workflows/repair/repair';
import { completeTaskUpdate, type TaskActor } from '../../src/workflows/shared/contract';
import { testConfig } from './config';
import type { TestDatabase } from './database';
import { identityNumber } from './identities';

/** The current credit commitment of the migration's repair rules (version 1). */
export const COMMITMENT = '2026-04';
export const FIXTURE_CLERK: TaskActor = { subject: 'fixture-clerk', role: 'agency', agencyId: 'fixture-agency' };
export const NDRC_REVIEWER: TaskActor = { subject: 'ndrc-reviewer', role: 'ndrc' };
/** The agency that runs the civilised-behaviour database. */
export const CIVIC_DB = 'jinan-civilisation-office';

const identity = new IdentityProtection(testConfig);

export interface Resident {
  personId: string;
  person: SealedPerson;
}

/** Repairs on a time-skipping server: residents with records, filings, tasks and the civic feed. */
export class RepairFixture {
  private sequence = 0;

  constructor(
    private readonly pool: () => pg.Pool,
    private readonly client: () => Client,
    private readonly taskQueue: () => string,
  ) {}

  static async prepare(db: TestDatabase): Promise<void> {
    await db.pool.query(
      `INSERT INTO agencies (id, name, kind) VALUES ('fixture-agency', 'Fixture agency', 'agency'), ($1, 'Jinan civilisation office', 'agency') ON CONFLICT DO NOTHING`,
      [CIVIC_DB],
    );
  }

  /** A resident in scope (local household, full capacity), known by the keyed hash of their number. */
  async resident(): Promise<Resident> {
    const parsed = parseIdentityNumber(identityNumber('1984-05-06', 100 + this.sequence++));
    if (!parsed.ok) throw new Error(parsed.reason);
    const person = identity.sealedPerson(parsed.identity);
    const row = await upsertPerson(this.pool(), person);
    await this.pool().query(`UPDATE persons SET residency = 'household', civil_capacity = 'full' WHERE id = $1`, [row.id]);
    return { personId: row.id, person };
  }

  /** A record about the person, as sharing would have stored it: the fixture agency's, or another sharer's (a market provider's). */
  async record(personId: string, typeCode: string, formedOn: LocalDate, sharer: { id: string; kind: 'agency' | 'provider' } = { id: 'fixture-agency', kind: 'agency' }): Promise<string> {
    const stored = await this.pool().query<{ id: string }>(
      `INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late, status, version, details, evidence, changed_by)
       SELECT gen_random_uuid(), $4, 'R-' || gen_random_uuid(), $1, t.category, t.code, $5, $3, now(), false, 'active', 1,
              CASE WHEN t.code LIKE 'administrative-%' THEN '{"procedure": "general"}'::jsonb ELSE '{}'::jsonb END, '[]', 'fixture'
       FROM record_types t WHERE t.code = $2
       RETURNING id`,
      [personId, typeCode, formedOn, sharer.id, sharer.kind === 'provider' ? 'market-provider' : 'public-agency'],
    );
    return stored.rows[0]!.id;
  }

  /** Files a repair with update-with-start, as the API does. */
  file(personId: string, recordId: string, route: RepairRoute, commitmentVersion = COMMITMENT) {
    const repairId = randomUUID();
    const workflowId = `repair/${repairId}`;
    const filing = this.client().workflow.executeUpdateWithStart(fileRepairUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation(repairWorkflow, {
        taskQueue: this.taskQueue(),
        workflowId,
        workflowIdConflictPolicy: 'FAIL',
        args: [{ repairId, personId, recordId, route, commitmentVersion, filedBy: 'applicant' }],
      }),
    });
    return { filing, repairId, handle: this.client().workflow.getHandle<typeof repairWorkflow>(workflowId) };
  }

  /** The repair's open task once it is there (a different one from `after`), with its kind. */
  async task(handle: WorkflowHandle<typeof repairWorkflow>, after?: string): Promise<{ id: string; kind: string }> {
    let id: string | null = null;
    await expect
      .poll(async () => {
        id = (await handle.query(repairQuery)).openTaskId;
        return id !== null && id !== after;
      }, { timeout: 10_000 })
      .toBe(true);
    const row = await this.pool().query<{ kind: string }>('SELECT kind FROM tasks WHERE id = $1', [id]);
    return { id: id!, kind: row.rows[0]!.kind };
  }

  /** Waits for the repair's next task, checks its kind, and decides it. */
  async decideNext(
    handle: WorkflowHandle<typeof repairWorkflow>,
    kind: string,
    actor: TaskActor,
    decision: string,
    reasons: string,
    extra: { schedule?: LocalDate[]; after?: string } = {},
  ): Promise<string> {
    const task = await this.task(handle, extra.after);
    expect(task.kind).toBe(kind);
    await handle.executeUpdate(completeTaskUpdate, {
      args: [{ taskId: task.id, actor, decision, reasons, ...(extra.schedule ? { schedule: extra.schedule } : {}) }],
    });
    return task.id;
  }

  /** Feeds one civilised-behaviour event through its workflow and waits for it to be routed. */
  async feed(event: Omit<CivicEventInput, 'fedBy'>, options: { again?: boolean } = {}) {
    const handle = await this.client().workflow.start(civicEventWorkflow, {
      taskQueue: this.taskQueue(),
      workflowId: `civic-event/${event.eventId}`,
      // A replay of the same event id after its workflow closed, to prove the activities keep it once.
      workflowIdReusePolicy: options.again ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      args: [{ ...event, fedBy: CIVIC_DB }],
    });
    await expect.poll(async () => (await handle.describe()).status.name, { timeout: 30_000, interval: 50 }).toBe('COMPLETED');
    return handle;
  }

  async stages(workflowId: string) {
    const rows = await this.pool().query<{ stage: string; state: string; due_at: Date; remind_at: Date; reminded_at: Date | null; finished_at: Date | null; responsible: string }>(
      'SELECT stage, state, due_at, remind_at, reminded_at, finished_at, responsible FROM sla_stages WHERE workflow_id = $1 ORDER BY started_at, stage',
      [workflowId],
    );
    return rows.rows.map((row) => ({
      stage: row.stage,
      state: row.state,
      dueAt: row.due_at.toISOString(),
      reminded: row.reminded_at !== null,
      closed: row.finished_at !== null,
      responsible: row.responsible,
    }));
  }

  async repairRow(repairId: string) {
    const row = await this.pool().query('SELECT state, progress::float8 AS progress, instalments, obligation_unmet, outcome_reasons, decided_by, closed_at FROM repairs WHERE id = $1', [repairId]);
    return row.rows[0];
  }

  async recordRow(recordId: string) {
    const row = await this.pool().query<{ status: string; version: number }>('SELECT status, version FROM records WHERE id = $1', [recordId]);
    return row.rows[0]!;
  }
}
