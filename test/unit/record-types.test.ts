import { describe, expect, it } from 'vitest';
import { recordSubmissionSchema } from '../../src/domain/record';
import { catalogueProblem, recordTier, type RecordType } from '../../src/domain/record-types';
import { identityNumber } from '../support/identities';

const penalty: RecordType = {
  code: 'administrative-penalty',
  category: 'administrative',
  polarity: 'negative',
  severity: 'general',
  countsForMonths: 12,
  tiers: { minor: 3, general: 12, serious: 36 },
  countsFrom: null,
  repairable: true,
  legalBasis: '中华人民共和国行政处罚法',
  description: 'Administrative penalty under the general procedure',
  details: [
    { name: 'procedure', kind: 'choice', required: true, choices: ['general', 'simple'], description: 'the procedure' },
    { name: 'minorPromptlyRemedied', kind: 'boolean', required: false, description: 'Art. 9(5)' },
    { name: 'amountYuan', kind: 'number', required: false, min: 0, description: 'the fine' },
  ],
};
const permit: RecordType = { ...penalty, code: 'residence-permit', category: 'identity', polarity: 'neutral', severity: null, tiers: {}, details: [{ name: 'validUntil', kind: 'date', required: true, description: 'the last day' }] };
const catalogue = new Map([penalty, permit].map((type) => [type.code, type]));

describe('Art. 8, 9 the record-type catalogue decides what a record carries', () => {
  it('takes the details its type lists', () => {
    expect(catalogueProblem(catalogue, { typeCode: 'administrative-penalty', category: 'administrative', details: { procedure: 'general', amountYuan: 200 } })).toBeUndefined();
  });

  it('refuses a detail its type does not list, a misspelt exclusion flag among them, naming it', () => {
    expect(catalogueProblem(catalogue, { typeCode: 'administrative-penalty', category: 'administrative', details: { procedure: 'general', minorPromtlyRemedied: true } })).toEqual({
      field: 'details.minorPromtlyRemedied',
      message: 'is not a detail of administrative-penalty (its details: procedure, minorPromptlyRemedied, amountYuan)',
    });
  });

  it('refuses a missing required detail and a value of the wrong kind', () => {
    expect(catalogueProblem(catalogue, { typeCode: 'administrative-penalty', category: 'administrative', details: {} })).toMatchObject({ field: 'details.procedure' });
    expect(catalogueProblem(catalogue, { typeCode: 'administrative-penalty', category: 'administrative', details: { procedure: 'general', amountYuan: -5 } })).toEqual({
      field: 'details.amountYuan',
      message: 'must be at least 0',
    });
    expect(catalogueProblem(catalogue, { typeCode: 'residence-permit', category: 'identity', details: { validUntil: '0099-01-01' } })).toMatchObject({ field: 'details.validUntil' });
  });

  it('refuses a type outside the catalogue or of another category', () => {
    expect(catalogueProblem(catalogue, { typeCode: 'parking-ticket', category: 'administrative', details: {} })).toMatchObject({ field: 'typeCode' });
    expect(catalogueProblem(catalogue, { typeCode: 'residence-permit', category: 'administrative', details: {} })).toMatchObject({ field: 'typeCode' });
  });

  it('refuses an unknown field anywhere in a submitted record, in its evidence and attestation included', () => {
    const record = {
      reference: 'R-1',
      identityNumber: identityNumber('1980-01-01', 11),
      category: 'administrative',
      typeCode: 'administrative-penalty',
      formedOn: '2026-06-01',
      details: { procedure: 'general' },
    };
    expect(recordSubmissionSchema.safeParse(record).success).toBe(true);
    for (const [changed, path] of [
      [{ ...record, refrence: 'R-1' }, []],
      [{ ...record, evidence: [{ kind: 'decision', ref: 'd', url: 'x' }] }, ['evidence', 0]],
    ] as const) {
      const parsed = recordSubmissionSchema.safeParse(changed);
      expect(parsed.success).toBe(false);
      expect(parsed.error!.issues[0]).toMatchObject({ code: 'unrecognized_keys', path });
    }
  });
});

describe('Art. 4 the sharing agency classifies a negative record in a tier its type allows (Guobanfa [2025] 22)', () => {
  const record = { typeCode: 'administrative-penalty', category: 'administrative', details: { procedure: 'general' } };

  it('takes a tier its type allows and refuses one it does not, or any tier for information that is not negative', () => {
    expect(catalogueProblem(catalogue, { ...record, tier: 'serious' })).toBeUndefined();
    const narrow = new Map([['administrative-penalty', { ...penalty, tiers: { general: 12 } }]]);
    expect(catalogueProblem(narrow, { ...record, tier: 'minor' })).toEqual({ field: 'tier', message: 'administrative-penalty is classified general, not minor' });
    expect(catalogueProblem(catalogue, { typeCode: 'residence-permit', category: 'identity', details: { validUntil: '2027-01-01' }, tier: 'minor' })).toEqual({
      field: 'tier',
      message: 'residence-permit is not negative information: it has no tier',
    });
  });

  it("gives a warning or a circulated criticism the minor tier unless the agency names one, and any other record its type's default", () => {
    expect(recordTier(penalty, { details: { procedure: 'general', penaltyKind: 'warning' } })).toBe('minor');
    expect(recordTier(penalty, { details: { procedure: 'general', penaltyKind: 'circulated-criticism' } })).toBe('minor');
    expect(recordTier(penalty, { tier: 'general', details: { procedure: 'general', penaltyKind: 'warning' } })).toBe('general');
    expect(recordTier(penalty, { details: { procedure: 'general', penaltyKind: 'fine' } })).toBe('general');
    expect(recordTier({ ...penalty, tiers: { general: 12 } }, { details: { penaltyKind: 'warning' } })).toBe('general');
    expect(recordTier(permit, { details: {} })).toBeNull();
  });
});
