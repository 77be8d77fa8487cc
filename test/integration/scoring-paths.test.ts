import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeModels, catalogueCounting, scorePersons, type ActiveModel } from '../../src/db/scores';
import { withTransaction } from '../../src/db/transaction';
import type { Severity } from '../../src/domain/record';
import { evaluate, type CatalogueCounting, type ScoredRecord } from '../../src/domain/scoring';
import { createTestDatabase, type TestDatabase } from '../support/database';

const TYPES: [string, string][] = [
  ['honour-municipal', 'honours'],
  ['honour-national', 'honours'],
  ['volunteering', 'social-contribution'],
  ['charitable-donation', 'social-contribution'],
  ['civilised-practice', 'social-contribution'],
  ['administrative-penalty', 'administrative'],
  ['court-dishonest-debtor', 'law-abiding'],
  ['criminal-conviction', 'law-abiding'],
  ['tax-refusal', 'promise-keeping'],
  ['fee-refusal', 'promise-keeping'],
  ['loan-overdue', 'market'],
  ['household-registration', 'identity'],
];

const SCORING_DAYS = ['2026-11-25', '2027-01-01', '2025-03-31'];
const BOUNDARY_DAYS = SCORING_DAYS.flatMap((day) =>
  [3, 12, 24, 36, 60].map((months) => {
    const d = new Date(`${day}T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() - months);
    return d.toISOString().slice(0, 10);
  }),
);

const recordArbitrary = fc.record({
  type: fc.constantFrom(...TYPES),
  formedOn: fc.oneof(
    fc.date({ min: new Date('2019-01-01T00:00:00Z'), max: new Date('2027-03-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    // Days on which a counting period (3, 12, 24, 36 or 60 months) ends exactly on a scoring day.
    fc.constantFrom(...BOUNDARY_DAYS),
  ),
  status: fc.constantFrom<'active' | 'revoked'>('active', 'active', 'active', 'revoked'),
  // Kept counting past its period by an agency's sector rules (Order 36), now and then.
  kept: fc.constantFrom(false, false, false, true),
  hours: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.constant(undefined)),
  amountYuan: fc.integer({ min: 0, max: 50_000 }),
  // The tier its agency classified it in (Guobanfa [2025] 22): none (an older release's record,
  // or information that is not negative), or any tier, one its type does not allow included.
  tier: fc.constantFrom<Severity | null>(null, null, 'minor', 'general', 'serious'),
  // A conviction counts 5 years from the day its sentence was served, and while that day is unknown.
  sentenceServedOn: fc.oneof(fc.constant(undefined), fc.constant(null), fc.constantFrom(...BOUNDARY_DAYS), fc.constant('2022-06-30')),
});

const personArbitrary = fc.record({
  birthDate: fc.constantFrom('1960-01-01', '1990-06-30', '2008-11-26', '2009-02-01'),
  capacity: fc.constantFrom('full', 'full', 'full', 'limited'),
  residency: fc.constantFrom('household', 'household', 'residence-permit', 'non-local'),
  permitUntil: fc.constantFrom('2026-06-30', '2027-12-31'),
  records: fc.array(recordArbitrary, { maxLength: 14 }),
});

describe('Art. 4 one evaluation, two paths that agree', () => {
  let db: TestDatabase;
  let models: ActiveModel[];
  let catalogue: CatalogueCounting;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query(`INSERT INTO agencies (id, name, kind) VALUES ('prop-agency', 'Property test agency', 'agency')`);
    models = await activeModels(db.pool);
    catalogue = await catalogueCounting(db.pool);
  });
  afterAll(() => db?.drop());

  it('gives the same score and level from the pure evaluator and the set-based SQL, for random persons and records', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(personArbitrary, { minLength: 1, maxLength: 8 }), fc.constantFrom(...SCORING_DAYS), async (people, onDay) => {
        run += 1;
        const expected = new Map<string, Map<string, { score: number; level: string }>>();
        const ids: string[] = [];
        await withTransaction(db.pool, async (client) => {
          for (const [p, person] of people.entries()) {
            const inserted = await client.query<{ id: string }>(
              `INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date, residency, residence_permit_valid_until, civil_capacity)
               VALUES (gen_random_uuid(), $1, '\\x00', $2, $3, $4, $5) RETURNING id`,
              [Buffer.from(`run-${run}-person-${p}`), person.birthDate, person.residency, person.residency === 'residence-permit' ? person.permitUntil : null, person.capacity],
            );
            const personId = inserted.rows[0]!.id;
            ids.push(personId);
            const records: ScoredRecord[] = [];
            for (const [i, r] of person.records.entries()) {
              const details = { hours: r.hours, amountYuan: r.amountYuan, procedure: 'general', sentenceServedOn: r.sentenceServedOn };
              const row = await client.query<{ id: string }>(
                `INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, tier, source, formed_on, shared_at, shared_late, status, version, details, evidence, changed_by, kept_counting_by)
                 VALUES (gen_random_uuid(), 'prop-agency', $1, $2, $3, $4, $9, 'public-agency', $5, now(), false, $6, 1, $7, '[]', 'property-test', $8) RETURNING id`,
                [`run-${run}-${p}-${i}`, personId, r.type[1], r.type[0], r.formedOn, r.status, JSON.stringify(details), r.kept ? 'repair/property-test' : null, r.tier],
              );
              records.push({
                id: row.rows[0]!.id, typeCode: r.type[0], category: r.type[1], formedOn: r.formedOn, status: r.status, tier: r.tier, details: JSON.parse(JSON.stringify(details)),
                ...(r.kept ? { keptCounting: true } : {}),
              });
            }
            const inScope =
              person.birthDate <= `${Number(onDay.slice(0, 4)) - 18}${onDay.slice(4)}` &&
              person.capacity === 'full' &&
              (person.residency === 'household' || (person.residency === 'residence-permit' && person.permitUntil >= onDay));
            if (inScope) expected.set(personId, new Map(models.map((m) => [m.scenario, evaluate(m.definition, catalogue, records, onDay)])));
          }
        });
        await scorePersons(db.pool, { models, onDay, computedBy: `property/${run}`, computedAt: new Date().toISOString(), persons: { ids } });
        const stored = await db.pool.query<{ person_id: string; scenario: string; score: number; level: string }>(
          'SELECT person_id, scenario, score, level FROM scores WHERE person_id = ANY($1::uuid[])',
          [ids],
        );
        const actual = new Map<string, Map<string, { score: number; level: string }>>();
        for (const row of stored.rows) {
          const byScenario = actual.get(row.person_id) ?? new Map();
          byScenario.set(row.scenario, { score: row.score, level: row.level });
          actual.set(row.person_id, byScenario);
        }
        for (const id of ids) {
          const want = expected.get(id);
          const got = actual.get(id);
          if (!want) {
            expect(got).toBeUndefined();
            continue;
          }
          for (const [scenario, evaluation] of want) expect(got?.get(scenario), `${scenario} of ${id}`).toEqual({ score: evaluation.score, level: evaluation.level });
        }
      }),
      { numRuns: 60 },
    );
  });
});
