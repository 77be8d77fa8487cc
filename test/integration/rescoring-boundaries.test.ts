import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duePersonsIn, markDuePersons } from '../../src/activities/scoring/store';
import { activeModels, catalogueCounting, scorePersons, type ActiveModel } from '../../src/db/scores';
import { withTransaction } from '../../src/db/transaction';
import { scopeOn } from '../../src/domain/scope';
import { evaluate, type CatalogueCounting, type ScoredRecord } from '../../src/domain/scoring';
import { addDays } from '../../src/domain/working-days';
import { createTestDatabase, type TestDatabase } from '../support/database';

const TYPES: [string, string][] = [
  ['honour-municipal', 'honours'],
  ['volunteering', 'social-contribution'],
  ['charitable-donation', 'social-contribution'],
  ['civilised-practice', 'social-contribution'],
  ['administrative-penalty', 'administrative'],
  ['fee-refusal', 'promise-keeping'],
  ['tax-refusal', 'promise-keeping'],
  ['court-dishonest-debtor', 'law-abiding'],
  ['criminal-conviction', 'law-abiding'],
  ['loan-overdue', 'market'],
];
const FIRST_ID = '00000000-0000-0000-0000-000000000000';
const LAST_ID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
/** First days of the runs: one crossing 1 January within its nights, one just before it. */
const START_DAYS = ['2026-10-15', '2026-12-20', '2027-12-30'];

function monthsBefore(day: string, months: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.toISOString().slice(0, 10);
}

/** A day relative to the run's first day: anywhere in five years, or just where a counting period (3, 12, 36, 60 months) ends within the run. */
const formedOffset = fc.oneof(
  fc.record({ kind: fc.constant('any' as const), days: fc.integer({ min: -1900, max: 30 }) }),
  fc.record({ kind: fc.constant('period-end' as const), months: fc.constantFrom(3, 12, 36, 60), days: fc.integer({ min: 0, max: 60 }) }),
);

const recordArbitrary = fc.record({
  type: fc.constantFrom(...TYPES),
  formed: formedOffset,
  status: fc.constantFrom<'active' | 'revoked'>('active', 'active', 'active', 'revoked'),
  hours: fc.integer({ min: 0, max: 300 }),
  amountYuan: fc.integer({ min: 0, max: 30_000 }),
});

const personArbitrary = fc.record({
  /** Days after the run's first day on which the person turns 18 (negative: an adult long since). */
  turns18: fc.oneof(fc.constant(-9000), fc.integer({ min: -3, max: 90 })),
  capacity: fc.constantFrom('full', 'full', 'full', 'limited'),
  residency: fc.constantFrom('household', 'household', 'residence-permit'),
  /** Days after the run's first day on which the residence permit ends. */
  permitEnds: fc.integer({ min: -2, max: 120 }),
  records: fc.array(recordArbitrary, { maxLength: 10 }),
});

describe('Art. 6 rescoring only the persons due gives the scores of a full recomputation, night after night', () => {
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

  it('keeps a replaced score in the history, and tells the person once of a change of level, only while their agreement is in force (Art. 7)', async () => {
    await db.pool.query('TRUNCATE rescoring_due, rescoring_ranges, rescoring_runs, score_history, scores, notifications, rescore_requests, records, persons CASCADE');
    const person = await db.pool.query<{ id: string }>(
      `INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date, residency, civil_capacity)
       VALUES (gen_random_uuid(), '\\x0a', '\\x00', '1980-01-01', 'household', 'full') RETURNING id`,
    );
    const personId = person.rows[0]!.id;
    await db.pool.query(
      `INSERT INTO agreements (id, person_id, text_version, channel, assurance, signed_by, signed_at)
       SELECT gen_random_uuid(), $1, version, 'app', 'real-name', 'test', now() FROM agreement_texts LIMIT 1`,
      [personId],
    );
    const share = (reference: string, typeCode: string, category: string) =>
      db.pool.query(
        `INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late, status, version, details, evidence, changed_by)
         VALUES (gen_random_uuid(), 'prop-agency', $1, $2, $3, $4, 'public-agency', '2026-11-01', now(), false, 'active', 1, '{"procedure": "general"}', '[]', 'test')`,
        [reference, personId, category, typeCode],
      );
    const score = (computedBy: string) => scorePersons(db.pool, { models, onDay: '2026-11-25', computedBy, computedAt: new Date().toISOString(), persons: { ids: [personId] } });
    await share('LC-1', 'administrative-penalty', 'administrative');
    await score('first');
    await share('LC-2', 'court-dishonest-debtor', 'law-abiding');
    expect(await score('second')).toMatchObject({ levelChanges: 1 });
    expect(await score('second')).toMatchObject({ levelChanges: 0 });

    const current = await db.pool.query(`SELECT score, level, computed_by FROM scores WHERE person_id = $1 AND scenario = 'base'`, [personId]);
    expect(current.rows).toEqual([{ score: 820, level: 'C', computed_by: 'second' }]);
    const history = await db.pool.query(`SELECT score, level, computed_by, superseded_by FROM score_history WHERE person_id = $1 AND scenario = 'base'`, [personId]);
    expect(history.rows).toEqual([{ score: 970, level: 'A', computed_by: 'first', superseded_by: 'second' }]);
    const told = await db.pool.query(`SELECT body FROM notifications WHERE recipient_id = $1 AND kind = 'level-changed'`, [personId]);
    expect(told.rows).toEqual([{ body: { level: 'C', previousLevel: 'A' } }]);

    // Revoked: the level still changes, and nobody is told it.
    await db.pool.query(`UPDATE agreements SET revoked_at = now(), revoked_by = 'test', revocation_channel = 'app' WHERE person_id = $1`, [personId]);
    await share('LC-3', 'illegal-fundraising', 'law-abiding');
    await share('LC-4', 'criminal-conviction', 'law-abiding');
    expect(await score('third')).toMatchObject({ levelChanges: 1 });
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM notifications WHERE recipient_id = $1 AND kind = 'level-changed'`, [personId])).rows[0].n).toBe(1);
  });

  it('holds every score equal to the pure evaluation on each night, across 1 January, counting-period ends, 18th birthdays and permits ending', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(personArbitrary, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(...START_DAYS),
        fc.array(fc.integer({ min: 1, max: 45 }), { minLength: 2, maxLength: 6 }),
        async (people, firstDay, nights) => {
          run += 1;
          await db.pool.query('TRUNCATE rescoring_due, rescoring_ranges, rescoring_runs, score_history, scores, notifications, rescore_requests, records, persons CASCADE');
          const persons: { id: string; standing: Parameters<typeof scopeOn>[0]; records: ScoredRecord[] }[] = [];
          await withTransaction(db.pool, async (client) => {
            for (const [p, person] of people.entries()) {
              const standing = {
                birthDate: addDays(monthsBefore(firstDay, 18 * 12), person.turns18),
                residency: person.residency as 'household' | 'residence-permit',
                residencePermitValidUntil: person.residency === 'residence-permit' ? addDays(firstDay, person.permitEnds) : null,
                civilCapacity: person.capacity as 'full' | 'limited',
              };
              const inserted = await client.query<{ id: string }>(
                `INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date, residency, residence_permit_valid_until, civil_capacity)
                 VALUES (gen_random_uuid(), $1, '\\x00', $2, $3, $4, $5) RETURNING id`,
                [Buffer.from(`run-${run}-person-${p}`), standing.birthDate, standing.residency, standing.residencePermitValidUntil, standing.civilCapacity],
              );
              const id = inserted.rows[0]!.id;
              const records: ScoredRecord[] = [];
              for (const [i, r] of person.records.entries()) {
                const formedOn = r.formed.kind === 'any' ? addDays(firstDay, r.formed.days) : addDays(monthsBefore(firstDay, r.formed.months), r.formed.days);
                const details = { hours: r.hours, amountYuan: r.amountYuan, procedure: 'general' };
                const row = await client.query<{ id: string }>(
                  `INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late, status, version, details, evidence, changed_by)
                   VALUES (gen_random_uuid(), 'prop-agency', $1, $2, $3, $4, 'public-agency', $5, now(), false, $6, 1, $7, '[]', 'property-test') RETURNING id`,
                  [`run-${run}-${p}-${i}`, id, r.type[1], r.type[0], formedOn, r.status, JSON.stringify(details)],
                );
                records.push({ id: row.rows[0]!.id, typeCode: r.type[0], category: r.type[1], formedOn, status: r.status, tier: null, details });
              }
              persons.push({ id, standing, records });
            }
          });

          const everyone = { after: FIRST_ID, upTo: LAST_ID };
          await scorePersons(db.pool, { models, onDay: firstDay, computedBy: `full/${run}`, computedAt: new Date().toISOString(), persons: everyone });
          let previous = firstDay;
          for (const [night, step] of nights.entries()) {
            const onDay = addDays(previous, step);
            const runId = `due/${run}/${night}`;
            await db.pool.query(`INSERT INTO rescoring_runs (id, scenarios, on_day, started_at, selection) VALUES ($1, '{base,lending}', $2, now(), 'due')`, [runId, onDay]);
            await markDuePersons(db.pool, { runId, onDay, since: previous });
            const due = await duePersonsIn(db.pool, { runId, ...everyone });
            await scorePersons(db.pool, { models, onDay, computedBy: runId, computedAt: new Date().toISOString(), persons: { ids: due } });
            previous = onDay;

            const stored = await db.pool.query<{ person_id: string; scenario: string; score: number; level: string }>('SELECT person_id, scenario, score, level FROM scores');
            const actual = new Map(stored.rows.map((row) => [`${row.person_id}/${row.scenario}`, { score: row.score, level: row.level }]));
            const expected = new Map<string, { score: number; level: string }>();
            for (const person of persons) {
              if (!scopeOn(person.standing, onDay).inScope) continue;
              for (const model of models) {
                const evaluation = evaluate(model.definition, catalogue, person.records, onDay);
                expected.set(`${person.id}/${model.scenario}`, { score: evaluation.score, level: evaluation.level });
              }
            }
            expect(actual, `night ${night + 1}, ${onDay}`).toEqual(expected);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
