import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainSubmission } from '../../src/domain/plain-submission';
import { CATEGORIES, EVIDENCE_KINDS, MARKET_ATTESTATION, recordSubmissionRowSchema, SEVERITIES } from '../../src/domain/record';
import { addDays, shanghaiDayOf } from '../../src/domain/working-days';
import { identityNumber, withWrongCheckDigit } from '../support/identities';

const today = shanghaiDayOf(new Date());

/** What the schema makes of a row, or undefined if it refuses it. */
function bySchema(row: unknown) {
  const parsed = recordSubmissionRowSchema.safeParse(row);
  return parsed.success ? parsed.data : undefined;
}

const penalty = {
  reference: 'JN-MR-2026-0001',
  identityNumber: identityNumber('1990-05-17', 123),
  category: 'administrative',
  typeCode: 'administrative-penalty',
  formedOn: addDays(today, -3),
  evidence: [{ kind: 'decision', ref: 'Jinan MR penalty decision 2026-0001' }],
  details: { procedure: 'general', amountYuan: 500 },
};
const loan = {
  reference: 'QB-2026-7',
  identityNumber: identityNumber('1985-01-02', 8),
  category: 'market',
  typeCode: 'loan-overdue',
  formedOn: today,
  attestation: { statement: MARKET_ATTESTATION, attestedBy: 'Qilu Bank credit office', attestedAt: '2026-10-01T09:00:00+08:00' },
};

/** A row as a bulk body carries it: only what JSON can say. */
const asJson = (row: unknown): unknown => JSON.parse(JSON.stringify(row));

/** Mostly a good value (nine times in ten), else one of the ways it goes wrong. */
function mostly(good: fc.Arbitrary<unknown>, ...wrong: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: good, weight: 9 }, { arbitrary: fc.oneof(...wrong), weight: 1 });
}

const evidenceItems = fc.array(
  fc.record({
    kind: mostly(fc.constantFrom(...EVIDENCE_KINDS), fc.constant('rumour')),
    ref: mostly(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('', 'x'.repeat(500), 'x'.repeat(501), 'a\u0000b', '决定书\n第 1 号')),
  }).chain((item) => mostly(fc.constant(item), fc.constant({ ...item, note: 'more' }), fc.constant({ ref: item.ref }))),
  { maxLength: 22 },
);

const detailValues = mostly(
  fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null)),
  fc.constantFrom('x'.repeat(501), 'a\u0000b', [1], {}, Number.POSITIVE_INFINITY),
);

/** Rows of any record type's shape, mostly good field by field. */
const rows = fc
  .record({
    reference: mostly(
      fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/),
      fc.constantFrom('', ' JN-1', 'x'.repeat(101), `REF-${identityNumber('1990-05-17', 123)}`, 7),
      fc.string(),
    ),
    identityNumber: mostly(
      fc.constantFrom(identityNumber('1990-05-17', 123), ` ${identityNumber('1977-12-01', 14).toLowerCase()} `, identityNumber('1960-02-29', 7)),
      fc.constantFrom(withWrongCheckDigit(identityNumber('1990-05-17', 123)), identityNumber('1990-02-30', 5), `99${identityNumber('1990-05-17', 1).slice(2)}`, '', null),
    ),
    category: mostly(fc.constantFrom(...CATEGORIES), fc.constantFrom('gossip', 'Administrative')),
    typeCode: mostly(fc.constantFrom('administrative-penalty', 'volunteering', 'loan-overdue'), fc.constantFrom('Volunteering', 'x', '')),
    formedOn: mostly(fc.constantFrom(today, addDays(today, -30), '1900-01-01'), fc.constantFrom(addDays(today, 1), '1899-12-31', '2026-02-30', '2026-1-1', 20260101)),
    tier: mostly(fc.constantFrom(undefined, ...SEVERITIES), fc.constantFrom('fatal', null)),
    evidence: mostly(fc.option(evidenceItems, { nil: undefined }), fc.constantFrom(null, {}, 'decision')),
    details: mostly(
      fc.record({ procedure: mostly(fc.constant('general'), fc.constantFrom('simple', 'summary')), minorPromptlyRemedied: fc.option(fc.boolean(), { nil: undefined }) }).chain((rules) =>
        fc.dictionary(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,40}$/), detailValues, { maxKeys: 3 }).map((more) => ({ ...more, ...rules }))),
      fc.dictionary(fc.constantFrom('__proto__', '1a', '', 'x'.repeat(42), 'note'), detailValues, { minKeys: 1, maxKeys: 2 }),
      fc.constantFrom(undefined, null, [], 'general'),
    ),
    attestation: mostly(
      fc.option(fc.constant(loan.attestation), { nil: undefined }),
      fc.record({
        statement: fc.constantFrom(MARKET_ATTESTATION, 'We answer for nothing.'),
        attestedBy: fc.constantFrom('Qilu Bank', '', 'a\u0000b'),
        attestedAt: fc.constantFrom('2026-10-01T09:00:00+08:00', '2026-10-01T09:00:00', '2026-10-01T09:00:00+16:00', '1899-12-31T00:00:00Z'),
      }, { requiredKeys: [] }),
      fc.constant(null),
    ),
  })
  .chain((row) => mostly(fc.constant(row), fc.constant({ ...row, personId: 'f00' })));

describe('Art. 10 bulk rows checked plainly', () => {
  it('takes the rows that agencies and providers send as the schema gives them, without it', () => {
    const volunteering = { ...penalty, category: 'social-contribution', typeCode: 'volunteering', details: { hours: 12 }, evidence: undefined };
    for (const row of [penalty, loan, volunteering, { ...penalty, tier: 'serious', details: { procedure: 'general', note: '责令改正' } }].map(asJson)) {
      const plain = plainSubmission(row, today);
      expect(plain).toBeDefined();
      expect(plain).toEqual(bySchema(row));
    }
  });

  it('leaves to the schema what it cannot plainly take: a day after the one it is given, an object key JSON can name __proto__', () => {
    expect(plainSubmission(asJson(penalty), addDays(today, -4))).toBeUndefined();
    expect(bySchema(asJson(penalty))).toBeDefined();
    const withProto = JSON.parse(JSON.stringify(penalty).replace('"kind"', '"__proto__":{},"kind"')) as unknown;
    expect(plainSubmission(withProto, today)).toBeUndefined();
    expect(bySchema(withProto)).toBeUndefined();
    expect(plainSubmission(asJson({ ...penalty, details: { procedure: 'simple' } }), today)).toBeUndefined();
    expect(plainSubmission(asJson({ ...loan, attestation: undefined }), today)).toBeUndefined();
  });

  it('never takes a row the schema refuses, and takes a row as the schema gives it', () => {
    let plainlyTaken = 0;
    fc.assert(
      fc.property(
        rows.map(asJson),
        (row) => {
          const plain = plainSubmission(row, today);
          if (plain === undefined) return;
          plainlyTaken += 1;
          expect(plain).toEqual(bySchema(row));
        },
      ),
      { numRuns: 1_500 },
    );
    // Not vacuous: many of the generated rows were good, and taken plainly.
    expect(plainlyTaken).toBeGreaterThan(100);
  });
});
