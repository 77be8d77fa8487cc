import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEFORE_ADULTHOOD } from '../../src/domain/scope';
import { storeStagedChunk, type ChunkResult } from '../../src/activities/bulk-intake/chunk';
import { bulkText, stageBatch } from '../../src/api/bulk-intake/staging';
import { batchRowResults, type RowResult } from '../../src/api/bulk-intake/queries';
import { IdentityProtection } from '../../src/db/persons';
import { MARKET_ATTESTATION } from '../../src/domain/record';
import { shanghaiDayOf } from '../../src/domain/working-days';
import { testConfig } from '../support/config';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { identityNumber } from '../support/identities';

const SHARER = 'city-market';
const today = shanghaiDayOf(new Date());
const adult = identityNumber('1985-04-02', 11);
const minor = identityNumber('2015-06-01', 12);

function penalty(reference: string, person = adult) {
  return {
    reference,
    identityNumber: person,
    category: 'administrative',
    typeCode: 'administrative-penalty',
    formedOn: today,
    evidence: [{ kind: 'decision', ref: `decision ${reference}` }],
    details: { procedure: 'general' },
  };
}

describe('Art. 10 bulk intake, chunk by chunk, on a real Postgres', () => {
  let db: TestDatabase;
  const identity = new IdentityProtection(testConfig);

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query(`INSERT INTO agencies (id, name, kind) VALUES ($1, 'City market regulation', 'agency')`, [SHARER]);
  });
  afterAll(() => db?.drop());

  /** Stages rows (objects, or raw lines) in chunks of `rowsPerChunk`, as the API does. */
  async function stage(rows: unknown[], rowsPerChunk: number) {
    const text = rows.map((row) => (typeof row === 'string' ? row : JSON.stringify(row))).join('\n');
    return stageBatch(db.pool, identity, {
      sharerId: SHARER,
      source: 'ndjson',
      receivedBy: 'test',
      text: bulkText('ndjson', Readable.from([Buffer.from(text)])),
      rowsPerChunk,
    });
  }

  /**
   * Stages rows as a release before the storable-text guard did (a batch it staged may still be
   * waiting when the next release's worker stores it): one chunk, written as it was then.
   */
  async function stageUnchecked(rows: unknown[]): Promise<string> {
    const batchId = randomUUID();
    const text = rows.map((row) => (typeof row === 'string' ? row : JSON.stringify(row))).join('\n');
    await db.pool.query(`INSERT INTO intake_batches (id, sharer_id, source, rows, received_by) VALUES ($1, $2, 'ndjson', $3, 'an older release')`, [batchId, SHARER, rows.length]);
    await db.pool.query('INSERT INTO intake_chunks (batch_id, chunk_no, first_row, rows, body) VALUES ($1, 0, 1, $2, $3)', [batchId, rows.length, identity.seal(gzipSync(text))]);
    return batchId;
  }

  function store(batchId: string, chunkNo: number) {
    return storeStagedChunk(db.pool, identity, { batchId, chunkNo, sharerId: SHARER, sharerKind: 'agency', sharedAt: new Date().toISOString() }) as Promise<ChunkResult>;
  }

  async function storeAll(batchId: string, chunks: number) {
    for (let chunkNo = 0; chunkNo < chunks; chunkNo++) await store(batchId, chunkNo);
  }

  async function count(where: string, values: unknown[] = []): Promise<number> {
    return (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM records WHERE ${where}`, values)).rows[0]!.n;
  }

  it('stores each row once however often a chunk is retried, and reports the same outcome again', async () => {
    const staged = await stage([penalty('RETRY-1'), penalty('RETRY-2'), penalty('RETRY-3')], 2);
    expect(staged).toMatchObject({ rows: 3, chunks: 2 });
    const first = await store(staged.batchId, 0);
    const again = await store(staged.batchId, 0);
    expect(again).toEqual(first);
    expect(first).toMatchObject({ accepted: 2, refused: 0, duplicates: 0 });
    expect(await count("reference LIKE 'RETRY-%'")).toBe(2);
    await expect(storeStagedChunk(db.pool, identity, { batchId: staged.batchId, chunkNo: 7, sharerId: SHARER, sharerKind: 'agency', sharedAt: today })).resolves.toBe(
      'no-such-chunk',
    );
  });

  it('stores every field of a record as it was shared, whatever its characters', async () => {
    const PROVIDER = 'qilu-bank';
    await db.pool.query(`INSERT INTO agencies (id, name, kind) VALUES ($1, 'Qilu Bank', 'provider') ON CONFLICT DO NOTHING`, [PROVIDER]);
    const sharedAt = new Date('2026-11-20T08:15:30.123Z');
    const loan = {
      reference: 'QB-FIELDS-1',
      identityNumber: adult,
      category: 'market',
      typeCode: 'loan-overdue',
      formedOn: '2026-11-02',
      evidence: [{ kind: 'document', ref: '逾期通知 No. 7\ttab "quoted" \\ back' }],
      details: { daysOverdue: 95, lender: '齐鲁银行', settled: false, note: null },
      attestation: { statement: MARKET_ATTESTATION, attestedBy: 'Qilu Bank credit office', attestedAt: '2026-11-19T10:00:00+08:00' },
    };
    const staged = await stageBatch(db.pool, identity, {
      sharerId: PROVIDER,
      source: 'ndjson',
      receivedBy: 'test',
      text: bulkText('ndjson', Readable.from([Buffer.from(JSON.stringify(loan))])),
    });
    const result = await storeStagedChunk(db.pool, identity, { batchId: staged.batchId, chunkNo: 0, sharerId: PROVIDER, sharerKind: 'provider', sharedAt: sharedAt.toISOString() });
    expect(result).toMatchObject({ accepted: 1 });
    const { rows } = await db.pool.query(
      `SELECT r.*, r.formed_on::text AS formed_on, p.birth_date::text AS birth_date FROM records r JOIN persons p ON p.id = r.person_id WHERE r.reference = 'QB-FIELDS-1'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      sharer_id: PROVIDER,
      reference: loan.reference,
      category: 'market',
      type_code: 'loan-overdue',
      source: 'market-provider',
      formed_on: '2026-11-02',
      shared_at: sharedAt,
      shared_late: false,
      status: 'active',
      version: 1,
      details: loan.details,
      evidence: loan.evidence,
      attestation: loan.attestation,
      changed_by: `bulk-intake/${staged.batchId}`,
      change_reason: null,
      birth_date: '1985-04-02',
    });
    const [results] = [await batchRowResults(db.pool, staged.batchId, { afterRow: 0, limit: 10 })];
    expect(results).toEqual([expect.objectContaining({ row: 1, outcome: 'accepted', recordId: rows[0].id })]);
  });

  it('registers each of many persons once, and finds them again in a later batch', async () => {
    // More persons than a chunk's first buffer of keyed hashes holds.
    const people = Array.from({ length: 1500 }, (_, i) => identityNumber(`1970-01-${String(1 + (i % 28)).padStart(2, '0')}`, 100 + Math.floor(i / 28), '370103'));
    const first = await stage(
      people.flatMap((person, i) => [penalty(`MANY-${i}-A`, person), penalty(`MANY-${i}-B`, person)]),
      5000,
    );
    expect(await store(first.batchId, 0)).toMatchObject({ accepted: 3000, refused: 0, duplicates: 0 });
    const again = await stage(
      people.map((person, i) => penalty(`MANY-${i}-C`, person)),
      5000,
    );
    expect(await store(again.batchId, 0)).toMatchObject({ accepted: 1500 });
    const registered = await db.pool.query<{ persons: number; records: number }>(
      `SELECT count(DISTINCT person_id)::int AS persons, count(*)::int AS records FROM records WHERE reference LIKE 'MANY-%'`,
    );
    expect(registered.rows[0]).toEqual({ persons: 1500, records: 4500 });
    const perPerson = await db.pool.query<{ n: number }>(
      `SELECT DISTINCT count(*)::int AS n FROM records WHERE reference LIKE 'MANY-%' GROUP BY person_id`,
    );
    expect(perPerson.rows).toEqual([{ n: 3 }]);
  });

  it('Art. 9 refuses a row with a field a record does not have, or a detail its type does not take, naming it', async () => {
    const staged = await stage(
      [
        { ...penalty('FIELD-1'), formedOnn: '2026-01-01' },
        { ...penalty('FIELD-2'), details: { procedure: 'general', minorPromtlyRemedied: true } },
        penalty('FIELD-3'),
      ],
      10,
    );
    expect(await store(staged.batchId, 0)).toMatchObject({ accepted: 1, refused: 2 });
    expect(await batchRowResults(db.pool, staged.batchId, { afterRow: 0, limit: 10 })).toEqual([
      expect.objectContaining({ row: 1, outcome: 'refused', field: 'formedOnn', reason: 'is not a field of a record' }),
      expect.objectContaining({ row: 2, outcome: 'refused', field: 'details.minorPromtlyRemedied' }),
      expect.objectContaining({ row: 3, outcome: 'accepted' }),
    ]);
  });

  it('refuses each row of a chunk staged without the storable-text guard whose text Postgres cannot store, naming its field, and stores the rest', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40; i++) deep = { a: deep };
    const batchId = await stageUnchecked([
      { ...penalty('TEXT-NUL'), details: { procedure: 'general', note: 'a\u0000b' } },
      { ...penalty('TEXT-HIGH'), details: { procedure: 'general', note: 'a\ud800b' } },
      { ...penalty('TEXT-LOW'), evidence: [{ kind: 'decision', ref: 'x\udc00' }] },
      { ...penalty('TEXT-DEEP'), details: { procedure: 'general', note: deep } },
      { ...penalty('TEXT-\ud800'), details: { procedure: 'general' } },
      penalty('TEXT-GOOD'),
    ]);
    expect(await store(batchId, 0)).toMatchObject({ accepted: 1, refused: 5 });
    expect(await batchRowResults(db.pool, batchId, { afterRow: 0, limit: 10 })).toEqual([
      expect.objectContaining({ row: 1, outcome: 'refused', field: 'details.note', reference: 'TEXT-NUL', reason: expect.stringContaining('NUL') }),
      expect.objectContaining({ row: 2, outcome: 'refused', field: 'details.note', reference: 'TEXT-HIGH', reason: expect.stringContaining('lone UTF-16 surrogate') }),
      expect.objectContaining({ row: 3, outcome: 'refused', field: 'evidence.0.ref', reference: 'TEXT-LOW' }),
      expect.objectContaining({ row: 4, outcome: 'refused', field: expect.stringMatching(/^details\.note\.a\.a/), reason: expect.stringContaining('nested deeper') }),
      // The reference itself is refused, and echoed with the half character replaced.
      expect.objectContaining({ row: 5, outcome: 'refused', field: 'reference', reference: 'TEXT-\ufffd' }),
      expect.objectContaining({ row: 6, outcome: 'accepted' }),
    ]);
  });

  it('refuses a row Postgres refuses for good although it passed every check, found by halving its chunk, and stores the rest', async () => {
    // A constraint the row checks do not know of, as Postgres may hold one the code has not caught up with.
    await db.pool.query(`CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.reference LIKE 'MARKED-%' THEN RAISE check_violation USING MESSAGE = 'refused: ' || NEW.reference; END IF; RETURN NEW; END $$`);
    await db.pool.query('CREATE TRIGGER refuse_marked BEFORE INSERT ON records FOR EACH ROW EXECUTE FUNCTION refuse_marked()');
    try {
      const rows = Array.from({ length: 13 }, (_, i) => penalty(i === 4 || i === 11 ? `MARKED-${i}` : `HALVED-${i}`));
      const staged = await stage(rows, 20);
      expect(await store(staged.batchId, 0)).toMatchObject({ accepted: 11, refused: 2 });
      const refused = (await batchRowResults(db.pool, staged.batchId, { afterRow: 0, limit: 20 })).filter((row) => row.outcome === 'refused');
      expect(refused).toEqual([
        expect.objectContaining({ row: 5, field: 'row', reference: 'MARKED-4', reason: 'Postgres refused the row for good (SQLSTATE 23514)' }),
        expect.objectContaining({ row: 12, field: 'row', reference: 'MARKED-11' }),
      ]);
      expect(await count("reference LIKE 'HALVED-%'")).toBe(11);
    } finally {
      await db.pool.query('DROP TRIGGER refuse_marked ON records; DROP FUNCTION refuse_marked()');
    }
  });

  it('registers a new person once when two chunks naming them are stored at the same time', async () => {
    const newcomers = Array.from({ length: 300 }, (_, i) => identityNumber(`1975-03-${String(1 + (i % 28)).padStart(2, '0')}`, 100 + Math.floor(i / 28), '370104'));
    const left = await stage(newcomers.map((person, i) => penalty(`NEWCOMER-L-${i}`, person)), 1000);
    const right = await stage(newcomers.map((person, i) => penalty(`NEWCOMER-R-${i}`, person)), 1000);
    const results = await Promise.all([store(left.batchId, 0), store(right.batchId, 0)]);
    expect(results.map((result) => result.accepted)).toEqual([300, 300]);
    const registered = await db.pool.query<{ persons: number; records: number }>(
      `SELECT count(DISTINCT person_id)::int AS persons, count(*)::int AS records FROM records WHERE reference LIKE 'NEWCOMER-%'`,
    );
    expect(registered.rows[0]).toEqual({ persons: 300, records: 600 });
    const standing = await db.pool.query(
      `SELECT DISTINCT residency, residence_permit_valid_until, civil_capacity FROM persons WHERE id IN (SELECT person_id FROM records WHERE reference LIKE 'NEWCOMER-%')`,
    );
    expect(standing.rows).toEqual([{ residency: null, residence_permit_valid_until: null, civil_capacity: null }]);
  });

  it('reports a reference shared before the batch, or earlier in it, as a duplicate of that record', async () => {
    const before = await stage([penalty('DUP-BEFORE')], 10);
    await storeAll(before.batchId, before.chunks);
    const earlier = (await db.pool.query<{ id: string }>(`SELECT id FROM records WHERE reference = 'DUP-BEFORE'`)).rows[0]!.id;

    const rows = ['DUP-1', 'DUP-BEFORE', 'DUP-BEFORE', 'DUP-2', 'DUP-2', 'DUP-1'].map((reference) => penalty(reference));
    const staged = await stage(rows, 3);
    await storeAll(staged.batchId, staged.chunks);
    const results = await batchRowResults(db.pool, staged.batchId, { afterRow: 0, limit: 100 });
    const [one, two] = [results[0]!.recordId, results[3]!.recordId];
    const shared = 'a record with this reference was already shared';
    expect(results.map((r) => [r.row, r.outcome, r.reference, r.recordId, r.reason])).toEqual([
      [1, 'accepted', 'DUP-1', one, null],
      [2, 'duplicate', 'DUP-BEFORE', earlier, shared],
      [3, 'duplicate', 'DUP-BEFORE', earlier, shared],
      [4, 'accepted', 'DUP-2', two, null],
      [5, 'duplicate', 'DUP-2', two, 'a record with this reference came earlier in this batch'],
      [6, 'duplicate', 'DUP-1', one, shared],
    ]);
    expect(await count("reference LIKE 'DUP-%'")).toBe(3);
    expect(await count('id = ANY($1::uuid[])', [[one, two, earlier]])).toBe(3);
  });

  it('stores a reference once when two chunks holding it are stored at the same time', async () => {
    const staged = await stage([penalty('RACE-1'), penalty('RACE-A'), penalty('RACE-1'), penalty('RACE-B')], 2);
    const outcomes = await Promise.all([store(staged.batchId, 0), store(staged.batchId, 1)]);
    expect(outcomes.map((o) => o.accepted).sort()).toEqual([1, 2]);
    expect(outcomes.reduce((sum, o) => sum + o.duplicates, 0)).toBe(1);
    expect(await count("reference = 'RACE-1'")).toBe(1);
    expect(await count("reference LIKE 'RACE-%'")).toBe(3);
  });

  describe('per-row results', () => {
    let batchId: string;
    let all: RowResult[];
    const rows = [
      penalty('PAGE-1'),
      penalty('PAGE-2', minor),
      '{not json',
      penalty('PAGE-3'),
      { ...penalty('PAGE-4'), typeCode: 'parking-ticket' },
      penalty('PAGE-5'),
      penalty('PAGE-1'),
      penalty('PAGE-6'),
      penalty('PAGE-7'),
      penalty('PAGE-8', minor),
    ];

    beforeAll(async () => {
      const staged = await stage(rows, 3);
      batchId = staged.batchId;
      await storeAll(batchId, staged.chunks);
      all = await batchRowResults(db.pool, batchId, { afterRow: 0, limit: 1000 });
    });

    it('gives every row its outcome, in row order, across chunks', () => {
      expect(all.map((r) => `${r.row}:${r.outcome}:${r.field ?? ''}`)).toEqual([
        '1:accepted:',
        '2:refused:formedOn',
        '3:refused:row',
        '4:accepted:',
        '5:refused:typeCode',
        '6:accepted:',
        '7:duplicate:reference',
        '8:accepted:',
        '9:accepted:',
        '10:refused:formedOn',
      ]);
      expect(all[1]!.reason).toBe(BEFORE_ADULTHOOD);
      expect(all.filter((r) => r.outcome === 'accepted').every((r) => r.recordId && r.reference?.startsWith('PAGE-'))).toBe(true);
    });

    it('pages from any row, with any page size, whatever the chunk boundaries', async () => {
      for (const limit of [1, 2, 4, 7]) {
        for (let afterRow = 0; afterRow <= rows.length; afterRow++) {
          const page = await batchRowResults(db.pool, batchId, { afterRow, limit });
          expect(page).toEqual(all.filter((r) => r.row > afterRow).slice(0, limit));
        }
      }
    });

    it('pages each outcome on its own', async () => {
      for (const outcome of ['accepted', 'refused', 'duplicate'] as const) {
        for (const limit of [1, 2, 5]) {
          for (const afterRow of [0, 2, 5, 8]) {
            const page = await batchRowResults(db.pool, batchId, { outcome, afterRow, limit });
            expect(page).toEqual(all.filter((r) => r.outcome === outcome && r.row > afterRow).slice(0, limit));
          }
        }
      }
    });
  });
});
