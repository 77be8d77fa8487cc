import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../../proof/faults/campaign';
import { checkInvariants } from '../../proof/faults/invariants';
import { createTestDatabase, type TestDatabase } from '../support/database';

const emptyLedger = (): Ledger => ({ shared: [], batches: [], promised: [], reads: new Map(), persons: [], runs: {} as Ledger['runs'] });

/** The fault proof's invariants find what they are written to find: each broken rule below is seen, and a clean database has none. */
describe('Fault proof invariants', () => {
  let db: TestDatabase;
  const violations = async (ledger: Ledger) => Object.fromEntries((await checkInvariants(db.pool, ledger)).filter((i) => i.violations > 0).map((i) => [i.name, i.violations]));

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('finds nothing in a database nothing happened to', async () => {
    expect(await violations(emptyLedger())).toEqual({});
  });

  it('finds a lost record, a stage opened twice, a passed due time without its flag, a task created twice and an unanswered rescoring', async () => {
    const stage = (workflowId: string, dueAt: string) =>
      db.pool.query(
        `INSERT INTO sla_stages (stage_key, workflow_id, process, stage, article, responsible, start_day, working_days, started_at, due_at, remind_at, provisional, state)
         VALUES ($1, $2, 'objection', 'ndrc-handle', 'Art. 20', 'ndrc', current_date, 3, now(), $3, $3, false, 'on-track')`,
        [randomUUID(), workflowId, dueAt],
      );
    await stage('objection/twice', new Date(Date.now() + 86_400_000).toISOString());
    await stage('objection/twice', new Date(Date.now() + 86_400_000).toISOString());
    await stage('objection/silent', new Date(Date.now() - 5 * 60_000).toISOString());
    const taskId = randomUUID();
    await db.pool.query(`INSERT INTO tasks (id, workflow_id, process, kind, role, subject, allowed_decisions) VALUES ($1, 'objection/twice', 'objection', 'objection-decision', 'ndrc', 'x', '{uphold}')`, [taskId]);
    await db.pool.query(`INSERT INTO task_events (task_id, seq, at, event) VALUES ($1, 1, now(), 'created'), ($1, 2, now(), 'created')`, [taskId]);
    const personId = randomUUID();
    await db.pool.query(`INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date) VALUES ($1, $2, $2, '1980-01-01')`, [personId, Buffer.from(personId)]);
    await db.pool.query(`INSERT INTO rescore_requests (id, person_id, reason, requested_by, answered_by) VALUES ('lost', $1, 'record-shared', 'test', 'rescore-person/x')`, [personId]);

    const ledger = { ...emptyLedger(), shared: [{ sharerId: 'jinan-market-regulation', reference: 'LOST-1' }] };
    expect(await violations(ledger)).toEqual({
      'every accepted record is stored': 1,
      'each SLA stage of a workflow is opened once': 1,
      'no passed due time without its breach flag': 1,
      'each task is created once and completed at most once': 1,
      'every rescoring request is answered (Art. 6)': 1,
    });
  });
});
