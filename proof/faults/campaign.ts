import type pg from 'pg';
import { addDays, shanghaiDayOf } from '../../src/domain/working-days';
import { identityNumber, withWrongCheckDigit } from '../../test/support/identities';
import { penaltySubmission } from '../../test/support/records';
import type { FaultCluster } from './cluster';
import { PatientClient, seededRandom, type Answer } from './driver';

export const SCENARIOS = ['sharing', 'late-sharing', 'bulk-intake', 'objection', 'paper-objection', 'repair', 'rescoring'] as const;
export type Scenario = (typeof SCENARIOS)[number];
/** How often each scenario is drawn: the everyday processes most, the long ones less. */
const WEIGHTS: Record<Scenario, number> = { sharing: 25, 'late-sharing': 10, 'bulk-intake': 10, objection: 20, 'paper-objection': 10, repair: 15, rescoring: 10 };

const POLICE = 'jinan-public-security';
const MARKET = 'jinan-market-regulation';
const CIVIC_DB = 'jinan-civilisation-office';
/** Rows of a bulk batch: fresh residents, then one row repeated and one with a wrong check character. */
const BATCH_ROWS = 20;

/** What the campaign was told happened: the invariants compare the database with it. */
export interface Ledger {
  /** Every record the API accepted (201, or 200 for a repeat of an accepted one). */
  shared: { sharerId: string; reference: string }[];
  batches: { batchId: string; accepted: number; refused: number; duplicates: number }[];
  /** Workflows a 202 promised: each must have completed. */
  promised: string[];
  /** Per person, the reads of their own data the API answered, and the requests sent for them (repeats included). */
  reads: Map<string, { answered: number; asked: number }>;
  persons: string[];
  runs: Record<Scenario, number>;
}

/**
 * The mixed traffic of the fault proof: each run is one process from the outside, as agencies,
 * reviewers, residents and the institution drive it through the API, to its end.
 */
export class Campaign {
  readonly ledger: Ledger = { shared: [], batches: [], promised: [], reads: new Map(), persons: [], runs: Object.fromEntries(SCENARIOS.map((s) => [s, 0])) as Record<Scenario, number> };
  readonly api: PatientClient;
  private readonly today = shanghaiDayOf(new Date());
  private tokens!: Record<'admin' | 'police' | 'market' | 'civic' | 'ndrc' | 'institution', string>;
  private nextPerson = 0;

  constructor(
    private readonly cluster: FaultCluster,
    private readonly pool: pg.Pool,
  ) {
    this.api = new PatientClient(cluster.apiUrl);
  }

  async prepare(): Promise<void> {
    const sign = (claims: Record<string, string>) => this.cluster.sign(claims);
    this.tokens = {
      admin: await sign({ role: 'admin' }),
      police: await sign({ role: 'agency', agency: POLICE }),
      market: await sign({ role: 'agency', agency: MARKET, subject: 'market-clerk' }),
      civic: await sign({ role: 'civic-db', agency: CIVIC_DB }),
      ndrc: await sign({ role: 'ndrc', subject: 'ndrc-reviewer' }),
      institution: await sign({ role: 'institution' }),
    };
    for (const [id, name] of [[POLICE, 'Jinan Public Security Bureau'], [MARKET, 'Jinan Market Regulation Bureau'], [CIVIC_DB, 'Jinan Civilisation Office']] as const) {
      await this.expect(`register ${id}`, await this.api.call('PUT', `/admin/agencies/${id}`, this.tokens.admin, { name, kind: 'agency' }), [200, 201]);
    }
  }

  /** `runs` runs drawn from the seeded mix, `concurrency` at a time; resolves when every one has reached its end. */
  async run(runs: number, concurrency: number, seed: number, onRun: (done: number) => void = () => undefined): Promise<void> {
    const random = seededRandom(seed);
    const total = SCENARIOS.reduce((sum, s) => sum + WEIGHTS[s], 0);
    const draw = (): Scenario => {
      let pick = random() * total;
      return SCENARIOS.find((s) => (pick -= WEIGHTS[s]) < 0) ?? 'sharing';
    };
    // Every scenario at least once, then the seeded mix.
    const plan = [...SCENARIOS.slice(0, Math.min(runs, SCENARIOS.length)), ...Array.from({ length: Math.max(0, runs - SCENARIOS.length) }, draw)];
    let next = 0;
    let done = 0;
    const lane = async () => {
      while (next < plan.length) {
        const scenario = plan[next++]!;
        await this.scenario(scenario);
        this.ledger.runs[scenario] += 1;
        onRun(++done);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  }

  private scenario(scenario: Scenario): Promise<void> {
    switch (scenario) {
      case 'sharing':
        return this.sharing(this.today);
      case 'late-sharing':
        // Formed 20 days ago: the 7 working days of Art. 10 have passed before the record arrives.
        return this.sharing(addDays(this.today, -20));
      case 'bulk-intake':
        return this.bulkIntake();
      case 'objection':
        return this.objection();
      case 'paper-objection':
        return this.paperObjection();
      case 'repair':
        return this.repair();
      case 'rescoring':
        return this.rescoring();
    }
  }

  /** A resident in scope (household and capacity shared by the police) with a penalty from market regulation; signs the agreement and reads their data. */
  private async resident(penaltyFormedOn: string): Promise<{ personId: string; number: string; penaltyId: string; token: string }> {
    const n = this.nextPerson++;
    const number = identityNumber(addDays('1960-01-01', n), n % 1000);
    await this.share(this.tokens.police, POLICE, { reference: `HUKOU-${n}`, identityNumber: number, category: 'identity', typeCode: 'household-registration', formedOn: this.today, details: {} });
    await this.share(this.tokens.police, POLICE, { reference: `CAP-${n}`, identityNumber: number, category: 'identity', typeCode: 'civil-capacity', formedOn: this.today, details: { capacity: 'full' } });
    const penalty = await this.share(this.tokens.market, MARKET, penaltySubmission(`PEN-${n}`, number, penaltyFormedOn));
    const personId = (await this.pool.query<{ person_id: string }>('SELECT person_id FROM records WHERE id = $1', [penalty.recordId])).rows[0]!.person_id;
    this.ledger.persons.push(personId);
    const token = await this.cluster.sign({ role: 'person', person: personId, acr: 'real-name' });
    const text = await this.api.call('GET', '/agreement-text', token);
    await this.expect('sign the agreement', await this.api.call('POST', '/me/agreement', token, { textVersion: text.body.version, channel: 'app' }), [201, 409]);
    for (const path of ['/me/records', '/me/score']) {
      const read = await this.api.call('GET', path, token);
      const counted = this.ledger.reads.get(personId) ?? { answered: 0, asked: 0 };
      // Each attempt may have left its register row, even one whose answer was lost.
      counted.asked += read.attempts;
      if (read.status === 200) counted.answered += 1;
      this.ledger.reads.set(personId, counted);
    }
    return { personId, number, penaltyId: penalty.recordId, token };
  }

  private async share(token: string, sharerId: string, submission: { reference: string; identityNumber: string } & Record<string, unknown>): Promise<{ recordId: string }> {
    // 200 is the answer to a repeat of a share that was accepted but whose answer was lost.
    const answer = await this.expect(`share ${submission.reference}`, await this.api.call('POST', '/records', token, submission), [200, 201]);
    this.ledger.shared.push({ sharerId, reference: submission.reference });
    return { recordId: answer.body.recordId as string };
  }

  private async sharing(formedOn: string): Promise<void> {
    await this.resident(formedOn);
  }

  private async bulkIntake(): Promise<void> {
    const batch = this.nextPerson;
    this.nextPerson += BATCH_ROWS;
    const rows = Array.from({ length: BATCH_ROWS - 2 }, (_, i) =>
      penaltySubmission(`BULK-${batch}-${i}`, identityNumber(addDays('1960-01-01', batch + i), (batch + i) % 1000), this.today),
    );
    const lines = [...rows, rows[0]!, { ...rows[1]!, reference: `BULK-${batch}-bad`, identityNumber: withWrongCheckDigit(rows[1]!.identityNumber) }];
    const sent = await this.expect('send a batch', await this.api.call('POST', '/records/bulk', this.tokens.market, lines.map((row) => JSON.stringify(row)).join('\n'), 'application/x-ndjson'), [202]);
    const batchId = sent.body.batchId as string;
    await this.api.until(`batch ${batchId} finished`, () => this.api.call('GET', `/records/batches/${batchId}?limit=1`, this.tokens.market), (a) => a.body.finished === true);
    this.ledger.batches.push({ batchId, accepted: rows.length, refused: 1, duplicates: 1 });
    for (const row of rows) this.ledger.shared.push({ sharerId: MARKET, reference: row.reference });
  }

  /** Art. 20: the person objects to the penalty, NDRC forwards, the agency decides. */
  private async objection(): Promise<void> {
    const { penaltyId, token } = await this.resident(this.today);
    const filed = await this.file('/objections', token, { target: 'record', recordId: penaltyId, reason: 'The penalty names the wrong day' }, 'objection-open');
    await this.decide(this.tokens.ndrc, filed.id, 'objection-triage', { decision: 'forward-to-agency', reasons: 'The agency holds the decision file' });
    await this.decide(this.tokens.market, filed.id, 'objection-verification', { decision: 'uphold', reasons: 'The decision file confirms the day' });
    await this.api.until(`objection ${filed.id} decided`, () => this.api.call('GET', `/objections/${filed.id}`, this.tokens.ndrc), (a) => a.body.state === 'decided');
  }

  /** Art. 20: NDRC registers a paper objection received 10 days ago, both clocks already run out, and decides it late. */
  private async paperObjection(): Promise<void> {
    const { personId } = await this.resident(this.today);
    const filed = await this.file('/objections', this.tokens.ndrc, { target: 'score', personId, reason: 'Paper objection to the score', receivedOn: addDays(this.today, -10) }, 'objection-open');
    await this.decide(this.tokens.ndrc, filed.id, 'objection-decision', { decision: 'uphold', reasons: 'The score follows the records' });
    await this.api.until(`objection ${filed.id} decided`, () => this.api.call('GET', `/objections/${filed.id}`, this.tokens.ndrc), (a) => a.body.state === 'decided');
  }

  /** Art. 21: a served general penalty, its obligation met, repaired by 20 volunteer hours, checked by NDRC and approved by the agency. */
  private async repair(): Promise<void> {
    const { number, penaltyId, token } = await this.resident(addDays(this.today, -120));
    const filed = await this.file('/repairs', token, { recordId: penaltyId, route: 'volunteering', commitmentVersion: '2026-04' }, 'repair-open');
    await this.decide(this.tokens.market, filed.id, 'repair-performance', { decision: 'met', reasons: 'The fine was paid' });
    const events = [12, 8].map((hours, i) => ({ eventId: `EV-${penaltyId}-${i}`, identityNumber: number, kind: 'volunteering', amount: hours, occurredOn: this.today }));
    await this.expect('feed the volunteer hours', await this.api.call('POST', '/civic-events', this.tokens.civic, { events }), [200, 202]);
    await this.decide(this.tokens.ndrc, filed.id, 'repair-completeness', { decision: 'complete', reasons: '20 hours in the civilised-behaviour database' });
    await this.decide(this.tokens.market, filed.id, 'repair-decision', { decision: 'approve', reasons: 'Penalty paid, 20 hours served' });
    await this.api.until(`repair ${filed.id} approved`, () => this.api.call('GET', `/repairs/${filed.id}`, this.tokens.market), (a) => a.body.state === 'approved');
  }

  /** Art. 6: the nightly full rescoring, run now (a run still open makes the schedule skip this one). */
  private async rescoring(): Promise<void> {
    await this.expect('trigger the rescoring', await this.api.call('POST', '/rescoring/schedule/trigger', this.tokens.institution), [202]);
  }

  /**
   * Files an application that the API answers with 202 and an id. A repeat after a lost answer
   * finds the one filed first (`open` is the refusal saying so), and takes its id from the list.
   */
  private async file(path: '/objections' | '/repairs', token: string, body: Record<string, unknown>, open: string): Promise<{ id: string }> {
    const answer = await this.expect(`POST ${path}`, await this.api.call('POST', path, token, body), [202, 409]);
    if (answer.status === 202) {
      this.ledger.promised.push(answer.body.workflowId as string);
      return { id: (answer.body.objectionId ?? answer.body.repairId) as string };
    }
    if (answer.body.error?.code !== open) throw new Error(`POST ${path}: ${JSON.stringify(answer.body)}`);
    const match = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(answer.body.error.message as string);
    if (!match) throw new Error(`POST ${path}: the refusal names no open application: ${answer.body.error.message}`);
    this.ledger.promised.push(`${path.slice(1, -1)}/${match[0]}`);
    return { id: match[0] };
  }

  /** Waits for the open task of `kind` about `subject` in the reviewer's inbox and completes it; a repeat finds it closed (409). */
  private async decide(token: string, subject: string, kind: string, completion: { decision: string; reasons: string }): Promise<void> {
    const inbox = await this.api.until(
      `${kind} task for ${subject}`,
      () => this.api.call('GET', '/tasks?state=open&limit=500', token),
      (a) => (a.body.tasks as { subject: string; kind: string }[] | undefined)?.some((t) => t.subject === subject && t.kind === kind) === true,
    );
    const task = (inbox.body.tasks as { id: string; subject: string; kind: string }[]).find((t) => t.subject === subject && t.kind === kind)!;
    const done = await this.api.call('POST', `/tasks/${task.id}/completion`, token, completion);
    if (done.status === 409 && done.body.error?.code === 'task-closed') return;
    await this.expect(`complete ${kind}`, done, [200]);
  }

  private async expect(what: string, answer: Answer, statuses: number[]): Promise<Answer> {
    if (!statuses.includes(answer.status)) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`);
    return answer;
  }
}
