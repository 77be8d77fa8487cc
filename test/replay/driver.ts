import type { WorkflowHandle } from '@temporalio/client';
import { addDays, shanghaiDayOf, type LocalDate } from '../../src/domain/working-days';
import { identityNumber } from '../support/identities';
import type { Answer, CaptureBed, CapturedHistory } from './capture-bed';

/** The organisations every scenario shares with. */
export const AGENCIES = {
  police: { id: 'jinan-public-security', name: 'Jinan Public Security Bureau', kind: 'agency' },
  market: { id: 'jinan-market-regulation', name: 'Jinan Market Regulation Bureau', kind: 'agency' },
  civilAffairs: { id: 'jinan-civil-affairs', name: 'Jinan Civil Affairs Bureau', kind: 'agency' },
  civilisation: { id: 'jinan-civilisation-office', name: 'Jinan Civilisation Office', kind: 'agency' },
  lender: { id: 'qilu-consumer-finance', name: 'Qilu Consumer Finance', kind: 'provider' },
  bank: { id: 'jinan-rural-bank', name: 'Jinan Rural Commercial Bank', kind: 'requester' },
} as const;

export interface Resident {
  identity: string;
  personId: string;
  token: string;
}

type SlaCondition = 'due-soon' | 'breached';

/**
 * What every scenario of the capture drives the platform with: the organisations' tokens, residents
 * in scope, the human tasks of a process, and the waiting points to store as the clock moves.
 */
export class Driver {
  readonly today: LocalDate = shanghaiDayOf(new Date());
  readonly saved: CapturedHistory[] = [];
  tokens = {} as Record<'admin' | 'ndrc' | 'institution' | 'police' | 'market' | 'civilAffairs' | 'civicDb' | 'lender' | 'bank', string>;
  private residents = 0;
  private readonly watched: { workflowId: string; condition: SlaCondition; point: string }[] = [];

  constructor(readonly bed: CaptureBed) {}

  async registerOrganisations(): Promise<void> {
    const admin = await this.bed.token('admin', { subject: 'admin-wang' });
    for (const agency of Object.values(AGENCIES)) {
      await this.expect(await this.bed.call('PUT', `/admin/agencies/${agency.id}`, admin, { name: agency.name, kind: agency.kind }), 200);
    }
    this.tokens = {
      admin,
      ndrc: await this.bed.token('ndrc', { subject: 'ndrc-reviewer-li' }),
      institution: await this.bed.token('institution', { subject: 'institution-analyst-sun' }),
      police: await this.bed.token('agency', { agency: AGENCIES.police.id, subject: 'police-clerk-zhou' }),
      market: await this.bed.token('agency', { agency: AGENCIES.market.id, subject: 'market-clerk-zhao' }),
      civilAffairs: await this.bed.token('agency', { agency: AGENCIES.civilAffairs.id, subject: 'civil-affairs-clerk-wang' }),
      civicDb: await this.bed.token('civic-db', { agency: AGENCIES.civilisation.id }),
      lender: await this.bed.token('provider', { agency: AGENCIES.lender.id, subject: 'lender-clerk-qian' }),
      bank: await this.bed.token('requester', { agency: AGENCIES.bank.id, subject: 'bank-officer-liu' }),
    };
  }

  /** A resident in scope (local household, full capacity) who signed the agreement, with their token. */
  async resident(): Promise<Resident> {
    const sequence = 100 + this.residents++;
    const identity = identityNumber('1980-03-03', sequence);
    const hukou = await this.share('police', { reference: `HUKOU-${sequence}`, identityNumber: identity, category: 'identity', typeCode: 'household-registration', formedOn: this.today, details: {} });
    await this.share('police', { reference: `CAPACITY-${sequence}`, identityNumber: identity, category: 'identity', typeCode: 'civil-capacity', formedOn: this.today, details: { capacity: 'full' } });
    const personId = await this.personOfRecord(hukou.body.recordId as string);
    const token = await this.bed.token('person', { person: personId, subject: `resident-${sequence}` });
    const text = await this.bed.call('GET', '/agreement-text');
    await this.expect(await this.bed.call('POST', '/me/agreement', token, { textVersion: text.body.version, channel: 'app' }), 201);
    return { identity, personId, token };
  }

  async personOfRecord(recordId: string): Promise<string> {
    return (await this.bed.pool.query<{ person_id: string }>('SELECT person_id FROM records WHERE id = $1', [recordId])).rows[0]!.person_id;
  }

  /** Shares one record (`POST /records`) as the given organisation; it must be stored. */
  async share(sharer: keyof Driver['tokens'], record: Record<string, unknown>): Promise<Answer> {
    const answer = await this.bed.call('POST', '/records', this.tokens[sharer], record);
    if (answer.status !== 201 && answer.status !== 200) throw new Error(`sharing ${String(record.reference)}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer;
  }

  /** A negative record of the market regulator about the resident, formed `daysAgo` days ago. */
  async penalty(resident: Resident, reference: string, daysAgo: number): Promise<string> {
    const shared = await this.share('market', {
      reference,
      identityNumber: resident.identity,
      category: 'administrative',
      typeCode: 'administrative-penalty',
      formedOn: addDays(this.today, -daysAgo),
      details: { procedure: 'general' },
    });
    return shared.body.recordId as string;
  }

  /** The process's open task of `kind`, once the workflow has opened it. */
  async task(workflowId: string, kind: string): Promise<string> {
    for (let tries = 0; tries < 300; tries += 1) {
      const found = await this.bed.pool.query<{ id: string }>(`SELECT id FROM tasks WHERE workflow_id = $1 AND kind = $2 AND state IN ('open', 'claimed')`, [workflowId, kind]);
      if (found.rows[0]) return found.rows[0].id;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${workflowId} never opened a ${kind} task`);
  }

  /** Decides the process's open task of `kind` through the API, as its reviewer would. */
  async decide(token: string, workflowId: string, kind: string, decision: string, extra: Record<string, unknown> = {}): Promise<void> {
    const taskId = await this.task(workflowId, kind);
    await this.expect(await this.bed.call('POST', `/tasks/${taskId}/completion`, token, { decision, reasons: `decided: ${decision}`, ...extra }), 200);
  }

  async save(handle: WorkflowHandle | string, point: string): Promise<void> {
    const captured = await this.bed.save(handle, point);
    this.saved.push(captured);
    process.stderr.write(`  ${captured.workflowType.padEnd(30)} ${point} (${captured.events} events)\n`);
  }

  /** Stores the workflow's history the first time one of its SLA stages is `condition` after the clock moves. */
  when(workflowId: string, condition: SlaCondition, point: string): void {
    this.watched.push({ workflowId, condition, point });
  }

  /** Moves the clock a day at a time for `days` days, storing each watched waiting point as it is reached. */
  async passDays(days: number): Promise<void> {
    for (let day = 0; day < days; day += 1) {
      await this.bed.skip('1 day');
      for (const watch of [...this.watched]) {
        const stages = await this.bed.pool.query('SELECT 1 FROM sla_stages WHERE workflow_id = $1 AND finished_at IS NULL AND state = $2', [watch.workflowId, watch.condition]);
        if (stages.rowCount === 0) continue;
        this.watched.splice(this.watched.indexOf(watch), 1);
        await this.save(watch.workflowId, watch.point);
      }
    }
    if (this.watched.length > 0) throw new Error(`never reached: ${this.watched.map((watch) => watch.point).join(', ')}`);
  }

  /** Fails the capture at once when an answer is not the one a scenario relies on. */
  async expect(answer: Answer, status: number): Promise<Answer> {
    if (answer.status !== status) throw new Error(`expected ${status}, got ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer;
  }

  /** Waits until `read` gives `wanted`: a process's state as the API shows it. */
  async until<T>(read: () => Promise<T>, wanted: T, what: string): Promise<void> {
    for (let tries = 0; tries < 300; tries += 1) {
      if ((await read()) === wanted) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${what} never became ${String(wanted)}`);
  }
}
