import type { Client } from '@temporalio/client';
import { exportJWK, generateKeyPair } from 'jose';
import { addDays } from '../../src/domain/working-days';
import { registerUpkeepWorkflowId, registerUpkeepWorkflowType } from '../../src/workflows/register/contract';
import { nightlyRescoringWorkflowId, nightlyRescoringWorkflowType, rescorePersonWorkflowId } from '../../src/workflows/scoring/contract';
import { AGENCIES, type PlatformDriver, type Resident } from '../../test/support/platform-driver';
import { COMMITMENT } from '../../test/support/repair-fixtures';
import type { Ledger } from '../faults/campaign';

/** One process caught mid-flight by the upgrade, and how it must end. */
export interface InFlight {
  workflowId: string;
  workflowType: string;
  /** Drives it to its end through the new release (nothing for a process whose next step is the platform's own). */
  finish?: () => Promise<void>;
  /** What its end must be: a sentence of what differs, or null. */
  ended: () => Promise<string | null>;
}

/** Tables whose writes are held (SHARE mode: reads and foreign-key checks go on) while the upgrade happens, so that one-shot processes are caught with their first step in flight. */
const HELD_TABLES = ['agencies', 'agreements', 'partner_cities', 'incentives', 'repair_rules', 'calendar_days', 'civic_events', 'record_history', 'score_models', 'records'];

/**
 * The processes of every workflow type, started on the previous release and left where the
 * upgrade finds them: long-lived ones waiting for a person, a reviewer or a deadline; one-shot ones
 * with their first step in flight (their tables' writes held, then Postgres stopped under them).
 */
export class UpgradeTraffic {
  readonly inFlight: InFlight[] = [];
  readonly ledger: Ledger = { shared: [], batches: [], promised: [], reads: new Map(), persons: [], runs: {} as Ledger['runs'] };
  private readonly pending: AbortController[] = [];

  constructor(
    private readonly d: PlatformDriver,
    private readonly client: Client,
    private readonly apiUrl: string,
  ) {}

  /** Long-lived processes at their waiting points, through the previous release's API. */
  async startWaiting(): Promise<void> {
    const { d } = this;
    const status = async (path: string, token: string, field = 'state') => (await d.platform.call('GET', path, token)).body[field] as unknown;
    const expectState = (path: string, token: () => string, wanted: string, field = 'state') => async () => {
      const found = await status(path, token(), field);
      return found === wanted ? null : `${path} is ${String(found)}, not ${wanted}`;
    };

    const sharer = await this.resident();
    const announced = await d.expect(await d.platform.call('POST', '/obligations', d.tokens.market, { reference: 'UP-OBLIGATION', formedOn: d.today }), 202);
    this.waiting(announced.body.workflowId as string, 'recordSharingWorkflow', async () => {
      await d.share('market', this.penaltyOf(sharer, 'UP-OBLIGATION', 0));
      this.ledger.shared.push({ sharerId: AGENCIES.market.id, reference: 'UP-OBLIGATION' });
    }, async () => {
      const row = await d.platform.pool.query<{ state: string }>('SELECT state FROM obligations WHERE workflow_id = $1', [announced.body.workflowId]);
      return row.rows[0]?.state === 'shared' ? null : `the obligation is ${row.rows[0]?.state}`;
    });

    // Objections: one waiting for NDRC's triage, one forwarded and waiting for the agency.
    for (const [reference, forwardedBefore] of [['UP-OBJ-TRIAGE', false], ['UP-OBJ-AGENCY', true]] as const) {
      const applicant = await this.resident();
      const recordId = await this.penalty(applicant, reference, 10);
      const filed = await d.expect(await d.platform.call('POST', '/objections', applicant.token, { target: 'record', recordId, reason: 'The penalty was annulled on review' }), 202);
      const workflowId = filed.body.workflowId as string;
      if (forwardedBefore) {
        await d.decide(d.tokens.ndrc, workflowId, 'objection-triage', 'forward-to-agency');
        await d.task(workflowId, 'objection-verification');
      } else {
        await d.task(workflowId, 'objection-triage');
      }
      this.ledger.promised.push(workflowId);
      this.waiting(workflowId, 'objectionWorkflow', async () => {
        if (!forwardedBefore) await d.decide(d.tokens.ndrc, workflowId, 'objection-triage', 'forward-to-agency');
        await d.decide(d.tokens.market, workflowId, 'objection-verification', 'uphold');
      }, expectState(`/objections/${filed.body.objectionId as string}`, () => applicant.token, 'decided'));
    }

    // Repairs: one waiting for the agency to confirm performance, one gathering volunteer hours.
    const performer = await this.resident();
    const performance = await this.repair(performer, 'UP-REPAIR-PERFORMANCE', 'performance');
    await d.task(performance.workflowId, 'repair-performance');
    this.waiting(performance.workflowId, 'repairWorkflow', async () => {
      await d.decide(d.tokens.market, performance.workflowId, 'repair-performance', 'met');
      await this.approve(performance.workflowId);
    }, expectState(`/repairs/${performance.repairId}`, () => performer.token, 'approved'));

    const volunteer = await this.resident();
    const volunteering = await this.repair(volunteer, 'UP-REPAIR-VOLUNTEERING', 'volunteering');
    await this.volunteer(volunteer, 'UP-EV-1', 12);
    await d.until(async () => (await d.platform.call('GET', `/repairs/${volunteering.repairId}`, volunteer.token)).body.progress, 12, 'the repair progress');
    this.waiting(volunteering.workflowId, 'repairWorkflow', async () => {
      await this.volunteer(volunteer, 'UP-EV-2', 8);
      await this.approve(volunteering.workflowId);
    }, expectState(`/repairs/${volunteering.repairId}`, () => volunteer.token, 'approved'));

    const declarant = await this.resident();
    const declared = await d.expect(
      await d.platform.call('POST', '/declarations', declarant.token, {
        category: 'honours',
        typeCode: 'honour-provincial',
        formedOn: addDays(d.today, -30),
        details: { title: 'Model worker' },
        evidence: [{ kind: 'certificate', ref: 'provincial certificate 2026-311' }],
        verifierId: AGENCIES.civilAffairs.id,
        authorizeVerification: true,
      }),
      202,
    );
    await d.task(declared.body.workflowId as string, 'declaration-verification');
    this.waiting(declared.body.workflowId as string, 'declarationWorkflow', () => d.decide(d.tokens.civilAffairs, declared.body.workflowId as string, 'declaration-verification', 'accept'),
      expectState(`/declarations/${declared.body.declarationId as string}`, () => declarant.token, 'accepted'));

    const validUntil = new Date(Date.now() + 30 * 24 * 3600_000).toISOString();
    const granted = await d.expect(await d.platform.call('POST', '/me/authorizations', declarant.token, { requesterId: AGENCIES.bank.id, purpose: 'lending', scenario: 'lending', validUntil }), 201);
    this.waiting(granted.body.workflowId as string, 'authorizationWorkflow', async () => {
      await d.expect(await d.platform.call('POST', `/me/authorizations/${granted.body.authorizationId as string}/revocation`, declarant.token), 200);
    }, async () => {
      const row = await d.platform.pool.query<{ state: string }>('SELECT state FROM authorizations WHERE id = $1', [granted.body.authorizationId]);
      return row.rows[0]?.state === 'revoked' ? null : `the authorization is ${row.rows[0]?.state}`;
    });

    // Event rescoring waits for the person's next change; after the upgrade one comes.
    this.waiting(rescorePersonWorkflowId(sharer.personId), 'rescorePersonWorkflow', async () => {
      await d.share('market', this.penaltyOf(sharer, 'UP-AFTER', 1));
      this.ledger.shared.push({ sharerId: AGENCIES.market.id, reference: 'UP-AFTER' });
    }, async () => {
      const scored = await d.platform.pool.query('SELECT 1 FROM scores s WHERE s.person_id = $1 AND s.computed_at >= (SELECT shared_at FROM records WHERE sharer_id = $2 AND reference = $3)', [
        sharer.personId,
        AGENCIES.market.id,
        'UP-AFTER',
      ]);
      return scored.rowCount ? null : 'the person was not rescored after the upgrade';
    });
  }

  /**
   * One-shot processes started through the previous release with their tables' writes held (in
   * one transaction of `holder`), so each is caught with its first step in flight; the caller
   * then stops Postgres under them. Requests that wait for their process are left waiting.
   */
  async startHeld(holder: { query(sql: string): Promise<unknown> }): Promise<void> {
    const { d } = this;
    const send = (method: string, path: string, token: string, body: unknown, contentType?: string) => {
      const abort = new AbortController();
      this.pending.push(abort);
      void fetch(`${this.apiUrl}${path}`, {
        method,
        signal: abort.signal,
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType ?? 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }).catch(() => undefined);
    };
    const resident = await this.resident(false);
    const { publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'qd-2026', alg: 'ES256' };
    const text = await d.platform.call('GET', '/agreement-text');
    const rules = (await d.platform.call('GET', '/repair-rules', d.tokens.ndrc)).body.versions[0].definition as { routes: { volunteering: { tiers: { general: { threshold: number } } } } };
    rules.routes.volunteering.tiers.general.threshold = 16;
    const model = (await d.platform.pool.query(`SELECT definition FROM score_models WHERE id = 'base-v1'`)).rows[0].definition;
    model.rules['administrative-penalty'].points = -60;
    await d.share('market', this.penaltyOf(resident, 'UP-TO-CORRECT', 5));

    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE ${HELD_TABLES.join(', ')} IN SHARE MODE`);

    send('PUT', '/admin/agencies/jinan-transport', d.tokens.admin, { name: 'Jinan Transport Bureau', kind: 'agency' });
    send('POST', '/me/agreement', resident.token, { textVersion: text.body.version, channel: 'app' });
    send('PUT', '/admin/partner-cities/qingdao', d.tokens.admin, { name: 'Qingdao', issuer: 'qingdao-credit-platform', jwks: { keys: [jwk] }, levelMapping: { 优: 'AA', 良: 'A', 差: 'C' } });
    send('PUT', '/incentives/bike-deposit-free', d.tokens.police, {
      name: 'No bicycle deposit',
      benefitKind: 'deposit-free',
      benefit: 'No deposit for public bicycles',
      conditions: [{ kind: 'level-at-least', scenario: 'base', level: 'A' }],
      validFrom: '2026-01-01',
      validUntil: null,
    });
    send('POST', '/repair-rules', d.tokens.ndrc, { definition: rules, description: 'general records: 16 volunteer hours' });
    send('POST', '/admin/calendar/corrections', d.tokens.admin, { days: [{ day: '2027-02-09', isWorkingDay: false, note: 'extra rest day' }], reason: 'supplementary notice' });
    send('POST', '/civic-events', d.tokens.civicDb, { events: [{ eventId: 'UP-EV-HELD', identityNumber: resident.identity, kind: 'volunteering', amount: 2, occurredOn: d.today }] });
    send('POST', '/records/UP-TO-CORRECT/correction', d.tokens.market, {
      typeCode: 'administrative-penalty',
      formedOn: addDays(d.today, -5),
      details: { procedure: 'general', amountYuan: 200 },
      evidence: [],
      reason: 'the amount was wrong',
    });
    send('POST', '/models', d.tokens.institution, { scenario: 'base', description: 'Penalties weigh double', definition: model });
    send('POST', '/records/bulk', d.tokens.market, [this.penaltyOf(resident, 'UP-BULK-1', 3), this.penaltyOf(resident, 'UP-BULK-2', 3)].map((row) => JSON.stringify(row)).join('\n'), 'application/x-ndjson');
    this.ledger.shared.push({ sharerId: AGENCIES.market.id, reference: 'UP-BULK-1' }, { sharerId: AGENCIES.market.id, reference: 'UP-BULK-2' }, { sharerId: AGENCIES.market.id, reference: 'UP-TO-CORRECT' });

    const oneShot = {
      agencyRegistrationWorkflow: "SELECT 1 FROM agencies WHERE id = 'jinan-transport'",
      agreementWorkflow: `SELECT 1 FROM agreements WHERE person_id = '${resident.personId}' AND revoked_at IS NULL`,
      partnerCityWorkflow: "SELECT 1 FROM partner_cities WHERE id = 'qingdao'",
      incentiveDefinitionWorkflow: "SELECT 1 FROM incentives WHERE id = 'bike-deposit-free' AND status = 'active'",
      repairRulesWorkflow: "SELECT 1 FROM repair_rules WHERE version = 2 AND status = 'active'",
      calendarChangeWorkflow: "SELECT 1 FROM calendar_days WHERE day = '2027-02-09' AND NOT is_working_day",
      civicEventWorkflow: "SELECT 1 FROM civic_events WHERE event_id = 'UP-EV-HELD' AND record_id IS NOT NULL",
      recordChangeWorkflow: "SELECT 1 FROM records WHERE reference = 'UP-TO-CORRECT' AND version = 2",
      scoreModelWorkflow: "SELECT 1 FROM score_models WHERE id = 'base-v2' AND status = 'draft'",
      bulkIntakeWorkflow: "SELECT 1 FROM intake_batches WHERE finished_at IS NOT NULL AND accepted = 2",
    };
    for (const [workflowType, effect] of Object.entries(oneShot)) {
      const workflowId = await this.runningWithStepInFlight(workflowType);
      this.inFlight.push({
        workflowId,
        workflowType,
        ended: async () => ((await d.platform.pool.query(effect)).rowCount ? null : `its effect is missing (${effect})`),
      });
    }
  }

  /** The platform's scheduled work, started while Postgres is down: its first step fails until the new release runs it. */
  async startScheduled(taskQueue: string): Promise<void> {
    for (const [workflowType, workflowId, check] of [
      [registerUpkeepWorkflowType, registerUpkeepWorkflowId(taskQueue), "SELECT 1 FROM pg_class WHERE relname = 'query_log_' || to_char(now() + interval '11 months', 'YYYY_MM')"],
      [nightlyRescoringWorkflowType, nightlyRescoringWorkflowId(taskQueue), "SELECT 1 FROM rescoring_runs WHERE id LIKE 'rescore-due/%' AND finished_at IS NOT NULL"],
    ] as const) {
      await this.client.workflow.start(workflowType, { taskQueue, workflowId: `${workflowId}-upgrade`, args: [] });
      await this.untilStepInFlight(`${workflowId}-upgrade`);
      this.inFlight.push({ workflowId: `${workflowId}-upgrade`, workflowType, ended: async () => ((await this.d.platform.pool.query(check)).rowCount ? null : 'its effect is missing') });
    }
    // The nightly run's child, started by the previous release: its first step is a local activity, retried within its workflow task.
    for await (const child of this.client.workflow.list({ query: 'WorkflowType = "rescoringRunWorkflow" AND ExecutionStatus = "Running"' })) {
      this.inFlight.push({ workflowId: child.workflowId, workflowType: 'rescoringRunWorkflow', ended: async () => null });
    }
  }

  /**
   * Cancels the statements waiting on the held tables, each failing its activity's attempt, to be
   * retried a second later at the earliest: stopped right after, Postgres ends the holding
   * transaction with no statement left waiting to take its locks in the moment it goes.
   */
  async cancelWaiting(holder: { query(sql: string): Promise<unknown> }): Promise<void> {
    await holder.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock'`);
  }

  /** Lets go of the requests the previous release's API held open, so that it can stop. */
  abandonRequests(): void {
    for (const abort of this.pending.splice(0)) abort.abort();
  }

  private waiting(workflowId: string, workflowType: string, finish: () => Promise<void>, ended: () => Promise<string | null>): void {
    this.inFlight.push({ workflowId, workflowType, finish, ended });
  }

  private async resident(sign = true): Promise<Resident> {
    const resident = await this.d.resident({ signs: sign });
    this.ledger.persons.push(resident.personId);
    this.ledger.shared.push(
      { sharerId: AGENCIES.police.id, reference: `HUKOU-${resident.sequence}` },
      { sharerId: AGENCIES.police.id, reference: `CAPACITY-${resident.sequence}` },
    );
    return resident;
  }

  private penaltyOf(resident: Resident, reference: string, daysAgo: number) {
    return { reference, identityNumber: resident.identity, category: 'administrative', typeCode: 'administrative-penalty', formedOn: addDays(this.d.today, -daysAgo), details: { procedure: 'general' } };
  }

  private async penalty(resident: Resident, reference: string, daysAgo: number): Promise<string> {
    this.ledger.shared.push({ sharerId: AGENCIES.market.id, reference });
    return this.d.penalty(resident, reference, daysAgo);
  }

  private async repair(applicant: Resident, reference: string, route: string) {
    const recordId = await this.penalty(applicant, reference, 120);
    const filed = await this.d.expect(await this.d.platform.call('POST', '/repairs', applicant.token, { recordId, route, commitmentVersion: COMMITMENT }), 202);
    this.ledger.promised.push(filed.body.workflowId as string);
    return { workflowId: filed.body.workflowId as string, repairId: filed.body.repairId as string };
  }

  private async volunteer(applicant: Resident, eventId: string, hours: number): Promise<void> {
    await this.d.expect(
      await this.d.platform.call('POST', '/civic-events', this.d.tokens.civicDb, { events: [{ eventId, identityNumber: applicant.identity, kind: 'volunteering', amount: hours, occurredOn: this.d.today }] }),
      202,
    );
  }

  private async approve(workflowId: string): Promise<void> {
    await this.d.decide(this.d.tokens.ndrc, workflowId, 'repair-completeness', 'complete');
    await this.d.decide(this.d.tokens.market, workflowId, 'repair-decision', 'approve');
  }

  /** The one running process of a type whose activity is in flight, once the server shows it (its visibility may lag: each candidate is described). */
  private async runningWithStepInFlight(workflowType: string): Promise<string> {
    for (let tries = 0; tries < 300; tries += 1) {
      for await (const execution of this.client.workflow.list({ query: `WorkflowType = "${workflowType}" AND ExecutionStatus = "Running"` })) {
        if (this.inFlight.some((known) => known.workflowId === execution.workflowId)) continue;
        const { status, raw } = await this.client.workflow.getHandle(execution.workflowId).describe();
        if (status.name === 'RUNNING' && (raw.pendingActivities?.length ?? 0) > 0) return execution.workflowId;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no ${workflowType} started with its first step in flight`);
  }

  private async untilStepInFlight(workflowId: string): Promise<void> {
    for (let tries = 0; tries < 300; tries += 1) {
      const { raw } = await this.client.workflow.getHandle(workflowId).describe();
      if ((raw.pendingActivities?.length ?? 0) > 0 || (raw.pendingChildren?.length ?? 0) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${workflowId} never started its first step`);
  }
}
