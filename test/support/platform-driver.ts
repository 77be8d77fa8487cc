import type pg from 'pg';
import type { Role } from '../../src/domain/roles';
import { addDays, shanghaiDayOf, type LocalDate } from '../../src/domain/working-days';
import { identityNumber } from './identities';
import type { TokenClaims } from './tokens';

/** An answer of the API, read field by field. */
export interface Answer {
  status: number;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers read field by field
}

/** A running platform as a driver reaches it: its API, tokens its API accepts, and its database for facts the API does not show. */
export interface PlatformAccess {
  call(method: string, path: string, token?: string, body?: unknown, contentType?: string): Promise<Answer>;
  token(role: Role, claims?: TokenClaims): Promise<string>;
  pool: pg.Pool;
}

/** The organisations a driven platform shares with. */
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
  /** The sequence of their identity number, which also names their identity records (`HUKOU-<sequence>`). */
  sequence: number;
}

type Organisation = 'admin' | 'ndrc' | 'institution' | 'police' | 'market' | 'civilAffairs' | 'civicDb' | 'lender' | 'bank';

/**
 * Drives a platform through its API as its users would: the organisations' tokens, residents in
 * scope, records shared, and the human tasks of a process decided by their reviewers. Used by the
 * replay capture and the upgrade proof.
 */
export class PlatformDriver {
  readonly today: LocalDate = shanghaiDayOf(new Date());
  tokens = {} as Record<Organisation, string>;
  private residents = 0;

  constructor(
    readonly platform: PlatformAccess,
    private readonly firstResident = 100,
  ) {}

  async registerOrganisations(): Promise<void> {
    const admin = await this.platform.token('admin', { subject: 'admin-wang' });
    for (const agency of Object.values(AGENCIES)) {
      await this.expect(await this.platform.call('PUT', `/admin/agencies/${agency.id}`, admin, { name: agency.name, kind: agency.kind }), 200);
    }
    this.tokens = {
      admin,
      ndrc: await this.platform.token('ndrc', { subject: 'ndrc-reviewer-li' }),
      institution: await this.platform.token('institution', { subject: 'institution-analyst-sun' }),
      police: await this.platform.token('agency', { agency: AGENCIES.police.id, subject: 'police-clerk-zhou' }),
      market: await this.platform.token('agency', { agency: AGENCIES.market.id, subject: 'market-clerk-zhao' }),
      civilAffairs: await this.platform.token('agency', { agency: AGENCIES.civilAffairs.id, subject: 'civil-affairs-clerk-wang' }),
      civicDb: await this.platform.token('civic-db', { agency: AGENCIES.civilisation.id }),
      lender: await this.platform.token('provider', { agency: AGENCIES.lender.id, subject: 'lender-clerk-qian' }),
      bank: await this.platform.token('requester', { agency: AGENCIES.bank.id, subject: 'bank-officer-liu' }),
    };
    // The bank queries for lending (Art. 18). A release from before purposes were published data
    // (the upgrade proof's previous one) has no such route, and no such registration to make.
    const registered = await this.platform.call('PUT', `/purposes/lending/requesters/${AGENCIES.bank.id}`, this.tokens.ndrc, { registered: true });
    if (registered.status !== 404) await this.expect(registered, 200);
  }

  /** A resident in scope (local household, full capacity), with their token, who signed the agreement unless `signs` is false. */
  async resident(options: { signs?: boolean } = {}): Promise<Resident> {
    const sequence = this.firstResident + this.residents++;
    const identity = identityNumber('1980-03-03', sequence);
    const hukou = await this.share('police', { reference: `HUKOU-${sequence}`, identityNumber: identity, category: 'identity', typeCode: 'household-registration', formedOn: this.today, details: {} });
    await this.share('police', { reference: `CAPACITY-${sequence}`, identityNumber: identity, category: 'identity', typeCode: 'civil-capacity', formedOn: this.today, details: { capacity: 'full' } });
    const personId = await this.personOfRecord(hukou.body.recordId as string);
    const token = await this.platform.token('person', { person: personId, subject: `resident-${sequence}` });
    if (options.signs !== false) {
      const text = await this.platform.call('GET', '/agreement-text');
      await this.expect(await this.platform.call('POST', '/me/agreement', token, { textVersion: text.body.version, channel: 'app' }), 201);
    }
    return { identity, personId, token, sequence };
  }

  async personOfRecord(recordId: string): Promise<string> {
    return (await this.platform.pool.query<{ person_id: string }>('SELECT person_id FROM records WHERE id = $1', [recordId])).rows[0]!.person_id;
  }

  /** Shares one record (`POST /records`) as the given organisation; it must be stored. */
  async share(sharer: Organisation, record: Record<string, unknown>): Promise<Answer> {
    const answer = await this.platform.call('POST', '/records', this.tokens[sharer], record);
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
      const found = await this.platform.pool.query<{ id: string }>(`SELECT id FROM tasks WHERE workflow_id = $1 AND kind = $2 AND state IN ('open', 'claimed')`, [workflowId, kind]);
      if (found.rows[0]) return found.rows[0].id;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${workflowId} never opened a ${kind} task`);
  }

  /** Decides the process's open task of `kind` through the API, as its reviewer would. */
  async decide(token: string, workflowId: string, kind: string, decision: string, extra: Record<string, unknown> = {}): Promise<void> {
    const taskId = await this.task(workflowId, kind);
    await this.expect(await this.platform.call('POST', `/tasks/${taskId}/completion`, token, { decision, reasons: `decided: ${decision}`, ...extra }), 200);
  }

  /** Fails the drive at once when an answer is not the one it relies on. */
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
