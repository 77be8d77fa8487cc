import pg from 'pg';
import type { Actor } from '../domain/roles';
import type { Queryable } from './pool';

/** An entry of the query register (Art. 22) as it is written: who read whose data, why, and whether it was granted. */
export interface RegisterRow {
  actorRole: string;
  actorId: string;
  actorAgency: string | null;
  personId: string | null;
  purpose: string;
  legalBasis: string;
  outcome: 'granted' | 'refused';
  subject: string | null;
}

async function insert(db: Queryable, rows: RegisterRow[]): Promise<void> {
  await db.query(
    `INSERT INTO query_log (actor_role, actor_id, actor_agency, person_id, purpose, legal_basis, outcome, subject)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[])`,
    [
      rows.map((r) => r.actorRole),
      rows.map((r) => r.actorId),
      rows.map((r) => r.actorAgency),
      rows.map((r) => r.personId),
      rows.map((r) => r.purpose),
      rows.map((r) => r.legalBasis),
      rows.map((r) => r.outcome),
      rows.map((r) => r.subject),
    ],
  );
}

interface Batch {
  rows: RegisterRow[];
  stored: Promise<void>;
}

/**
 * The query register's writer (Art. 22), one per process and pool, injected where reads are
 * answered (ApiDependencies.queryLog) like the read views.
 *
 * Group commit: the reads answered in the same turn of the event loop, and those answered
 * while the previous INSERT is being written, are registered together by the next one, and each is
 * answered only once its row is stored, so none is lost and a busy API pays one statement and one
 * commit for many reads. A batch waits no timer: at a few thousand reads a second a timer of 2 ms
 * held every read 2 ms longer, which capped what 32 connections got answered well below the CPU's
 * limit (bench:api), while the turn and the INSERT in flight gather as many reads as arrive.
 */
export class QueryLog {
  /** The INSERT being written (at most one at a time) and the batch gathering behind it. */
  private writing?: Promise<void>;
  private gathering?: Batch;

  constructor(private readonly pool: pg.Pool) {}

  /** Registers a read of persons' data (who, whose, why, on what basis) in the append-only register. */
  personRead(actor: Actor, personIds: string[], purpose: string, legalBasis: string): Promise<void> {
    return this.gather(personReadRows(actor, personIds, purpose, legalBasis));
  }

  /** Registers a read of data whose persons the platform cannot tell (workflow payloads decrypted for a supervisor): what was read stands in for whose. */
  opaqueRead(actor: Actor, read: { subject: string; purpose: string; legalBasis: string }): Promise<void> {
    return this.gather([
      { actorRole: actor.role, actorId: actorIdOf(actor), actorAgency: actor.agencyId ?? null, personId: null, purpose: read.purpose, legalBasis: read.legalBasis, outcome: 'granted', subject: read.subject },
    ]);
  }

  /**
   * Registers a read that was refused: who asked, for what (`subject`, an opaque id), and for
   * whose data when it is known. The caller is answered 404 as for anything it may not see.
   */
  refusedRead(actor: Actor, read: { subject: string; personIds: string[]; purpose: string }): Promise<void> {
    const persons = read.personIds.length === 0 ? [null] : [...new Set(read.personIds)];
    return this.gather(
      persons.map((personId) => ({
        actorRole: actor.role,
        actorId: actorIdOf(actor),
        actorAgency: actor.agencyId ?? null,
        personId,
        purpose: read.purpose,
        legalBasis: 'none: refused',
        outcome: 'refused' as const,
        subject: read.subject,
      })),
    );
  }

  /** Adds the rows to the batch gathering, and answers once the INSERT that holds them is committed. */
  private gather(rows: RegisterRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    if (!this.gathering) {
      const batch: Batch = { rows: [], stored: Promise.resolve() };
      const gathered = new Promise<void>((resolve) => setImmediate(resolve));
      const turn = this.writing ? Promise.all([this.writing.catch(() => undefined), gathered]) : gathered;
      batch.stored = turn
        .then(() => {
          this.gathering = undefined;
          return insert(this.pool, batch.rows);
        })
        .finally(() => {
          if (this.writing === batch.stored) this.writing = undefined;
        });
      this.gathering = batch;
      this.writing = batch.stored;
    }
    this.gathering.rows.push(...rows);
    return this.gathering.stored;
  }
}

/**
 * Who read, as the register keeps it: a resident by their platform id (two residents' tokens may
 * share a subject; their entries must never mix), anyone else by their token's subject.
 */
export function actorIdOf(actor: Actor): string {
  return actor.role === 'person' && actor.personId ? actor.personId : actor.subject;
}

function personReadRows(actor: Actor, personIds: string[], purpose: string, legalBasis: string): RegisterRow[] {
  return [...new Set(personIds)].map((personId) => ({
    actorRole: actor.role,
    actorId: actorIdOf(actor),
    actorAgency: actor.agencyId ?? null,
    personId,
    purpose,
    legalBasis,
    outcome: 'granted' as const,
    subject: null,
  }));
}
