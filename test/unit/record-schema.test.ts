import { describe, expect, it } from 'vitest';
import { firstProblem, MARKET_ATTESTATION, recordSubmissionSchema } from '../../src/domain/record';
import { identityNumber } from '../support/identities';

const penalty = {
  reference: 'JN-MR-2026-0001',
  identityNumber: identityNumber('1990-05-17', 123),
  category: 'administrative',
  typeCode: 'administrative-penalty',
  formedOn: '2026-09-30',
  evidence: [{ kind: 'decision', ref: 'Jinan MR penalty decision 2026-0001' }],
  details: { procedure: 'general' },
};

function problem(input: unknown) {
  const parsed = recordSubmissionSchema.safeParse(input);
  return parsed.success ? undefined : firstProblem(parsed.error);
}

describe('Art. 9 what may be collected', () => {
  it('takes an administrative penalty under the general procedure', () => {
    expect(problem(penalty)).toBeUndefined();
  });

  it('refuses a penalty under the simple procedure, citing Art. 9(5)', () => {
    expect(problem({ ...penalty, details: { procedure: 'simple' } })).toEqual({
      field: 'details.procedure',
      message: 'Art. 9(5) excludes administrative penalties under the simple procedure',
    });
  });

  it('refuses a penalty for a minor violation promptly remedied, citing Art. 9(5)', () => {
    expect(problem({ ...penalty, details: { procedure: 'general', minorPromptlyRemedied: true } })).toMatchObject({
      field: 'details.minorPromptlyRemedied',
      message: expect.stringContaining('Art. 9(5)'),
    });
  });

  it('refuses free text holding a NUL character, which Postgres cannot store, naming its field', () => {
    expect(problem({ ...penalty, details: { procedure: 'general', note: 'a\u0000b' } })).toEqual({
      field: 'details.note',
      message: 'must be text of at most 500 characters (without U+0000), a finite number, true, false or null',
    });
    expect(problem({ ...penalty, evidence: [{ kind: 'decision', ref: 'decision\u0000' }] })).toEqual({
      field: 'evidence.0.ref',
      message: 'must be 1-500 characters, without the NUL character (U+0000)',
    });
    const loan = {
      ...penalty,
      category: 'market',
      typeCode: 'loan-overdue',
      details: {},
      attestation: { statement: MARKET_ATTESTATION, attestedBy: 'Qilu\u0000Bank', attestedAt: '2026-11-19T10:00:00+08:00' },
    };
    expect(problem(loan)).toEqual({ field: 'attestation.attestedBy', message: 'must be 1-200 characters, without the NUL character (U+0000)' });
    expect(problem({ ...penalty, evidence: [{ kind: 'decision', ref: '' }] })?.field).toBe('evidence.0.ref');
    expect(problem({ ...penalty, evidence: [{ kind: 'decision', ref: 'x'.repeat(501) }] })?.field).toBe('evidence.0.ref');
    expect(problem({ ...penalty, evidence: [{ kind: 'decision', ref: '决定书\n第 1 号'.padEnd(500, '.') }] })).toBeUndefined();
  });

  it('refuses a category outside the closed list of Art. 9', () => {
    expect(problem({ ...penalty, category: 'gossip' })?.field).toBe('category');
  });

  it('names the identity number field, never the number, when its check digit is wrong', () => {
    const wrong = { ...penalty, identityNumber: `${penalty.identityNumber.slice(0, 17)}${penalty.identityNumber.endsWith('1') ? '2' : '1'}` };
    const found = problem(wrong)!;
    expect(found).toEqual({ field: 'identityNumber', message: 'the resident identity number has a wrong check digit' });
  });
});

describe('Art. 10 market information', () => {
  const loan = { ...penalty, category: 'market', typeCode: 'loan-overdue', details: {} };

  it("needs the provider's attestation of responsibility", () => {
    expect(problem(loan)).toMatchObject({ field: 'attestation' });
    expect(problem({ ...loan, attestation: { statement: MARKET_ATTESTATION, attestedBy: 'Qilu Bank credit office', attestedAt: '2026-10-01T09:00:00+08:00' } })).toBeUndefined();
  });
});
