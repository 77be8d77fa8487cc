import pg from 'pg';
import type { Actor } from '../domain/roles';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

interface RegisterRow {
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
 * How long a batch gathers reads at least when reads come often: at a few thousand reads a
 * second, INSERTs written back to back held one or two rows each, and each costs the API a socket
 * write and Postgres a statement and a commit (bench:api).
 */
const GATHER_MS = 2;
/**
 * Reads come often when at least BUSY_READS came in the last RATE_WINDOW_MS (1,000 a second).
 * Below that a gathering batch would hold about one read anyway, and every read would wait
 * GATHER_MS more for nothing.
 */
const RATE_WINDOW_MS = 100;
const BUSY_READS = 100;

/** Per pool: the batch being written (at most one at a time), the one gathering behind it, and how often reads came lately. */
interface Writer {
  writing?: Promise<void>;
  gathering?: Batch;
  windowStart: number;
  readsInWindow: number;
  busy: boolean;
}
const writers = new WeakMap<pg.Pool, Writer>();

/** Counts the reads into the rate window, and says whether reads came often in the last full one. */
function comesOften(writer: Writer, reads: number): boolean {
  const now = performance.now();
  if (now - writer.windowStart >= RATE_WINDOW_MS) {
    // A window that ended long ago says nothing of now.
    writer.busy = now - writer.windowStart < 2 * RATE_WINDOW_MS && writer.readsInWindow >= BUSY_READS;
    writer.windowStart = now;
    writer.readsInWindow = 0;
  }
  writer.readsInWindow += reads;
  return writer.busy;
}

/**
 * Art. 22, group commit: the reads answered together, within GATHER_MS when reads come often,
 * and for as long as the previous INSERT is being written, are registered together by the next
 * one, and each is answered only once its row is stored, so none is lost and a busy API pays one
 * statement and one commit for many reads. Inside a transaction the row is written in it, in order.
 */
function register(db: Queryable, rows: RegisterRow[]): Promise<void> {
  if (rows.length === 0) return Promise.resolve();
  if (!(db instanceof pg.Pool)) return insert(db, rows);
  let writer = writers.get(db);
  if (!writer) writers.set(db, (writer = { windowStart: performance.now(), readsInWindow: 0, busy: false }));
  const often = comesOften(writer, rows.length);
  if (!writer.gathering) {
    const batch: Batch = { rows: [], stored: Promise.resolve() };
    const gathered = often ? new Promise<void>((resolve) => setTimeout(resolve, GATHER_MS)) : Promise.resolve();
    const turn = writer.writing ? Promise.all([writer.writing.catch(() => undefined), gathered]) : gathered;
    const current = writer;
    batch.stored = turn
      .then(() => {
        current.gathering = undefined;
        return insert(db, batch.rows);
      })
      .finally(() => {
        if (current.writing === batch.stored) current.writing = undefined;
      });
    writer.gathering = batch;
    writer.writing = batch.stored;
  }
  writer.gathering.rows.push(...rows);
  return writer.gathering.stored;
}

/** Art. 22: registers a read of persons' data (who, whose, why, on what basis) in the append-only register. */
export async function logPersonRead(db: Queryable, actor: Actor, personIds: string[], purpose: string, legalBasis: string): Promise<void> {
  await register(
    db,
    [...new Set(personIds)].map((personId) => ({
      actorRole: actor.role,
      actorId: actor.subject,
      actorAgency: actor.agencyId ?? null,
      personId,
      purpose,
      legalBasis,
      outcome: 'granted' as const,
      subject: null,
    })),
  );
}

/**
 * Art. 22: registers a read of data whose persons the platform cannot tell (workflow payloads
 * decrypted for a supervisor): what was read stands in for whose.
 */
export async function logOpaqueRead(db: Queryable, actor: Actor, read: { subject: string; purpose: string; legalBasis: string }): Promise<void> {
  await register(db, [
    { actorRole: actor.role, actorId: actor.subject, actorAgency: actor.agencyId ?? null, personId: null, purpose: read.purpose, legalBasis: read.legalBasis, outcome: 'granted', subject: read.subject },
  ]);
}

/**
 * Art. 22: registers a read that was refused: who asked, for what (`subject`, an opaque id), and
 * for whose data when it is known. The caller is answered 404 as for anything it may not see.
 */
export async function logRefusedRead(db: Queryable, actor: Actor, read: { subject: string; personIds: string[]; purpose: string }): Promise<void> {
  const persons = read.personIds.length === 0 ? [null] : [...new Set(read.personIds)];
  await register(
    db,
    persons.map((personId) => ({
      actorRole: actor.role,
      actorId: actor.subject,
      actorAgency: actor.agencyId ?? null,
      personId,
      purpose: read.purpose,
      legalBasis: 'none: refused',
      outcome: 'refused' as const,
      subject: read.subject,
    })),
  );
}
