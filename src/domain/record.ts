import { z } from 'zod';
import { containsIdentityNumber, parseIdentityNumber } from './identity-number';
import { calendarDateSchema, freeText, freeTextPattern, pastDateSchema, timestampSchema } from './input';

/**
 * Art. 8, 9: evaluation information is public credit information in the seven categories of
 * Art. 9, plus market credit information from market providers.
 */
export const CATEGORIES = [
  'identity', // Art. 9(1)
  'honours', // Art. 9(2)
  'social-contribution', // Art. 9(3)
  'law-abiding', // Art. 9(4)
  'administrative', // Art. 9(5)
  'promise-keeping', // Art. 9(6)
  'other', // Art. 9(7)
  'market', // Art. 8: market credit information
] as const;
export type Category = (typeof CATEGORIES)[number];

export const POLARITIES = ['positive', 'negative', 'neutral'] as const;
export type Polarity = (typeof POLARITIES)[number];
/** The three tiers of dishonest-conduct information (Guobanfa [2025] No. 22, DOMAIN.md). */
export const SEVERITIES = ['minor', 'general', 'serious'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The sentence a market provider attests with each record (Art. 10, second paragraph). */
export const MARKET_ATTESTATION =
  'The provider answers for the legality, truthfulness, accuracy and completeness of this information (Art. 10).';

/** The patterns and bounds of a submitted record's fields: the schemas below and the bulk rows' plain check (plain-submission.ts) read the same ones. */
export const REFERENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
export const TYPE_CODE_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;
export const DETAIL_KEY_PATTERN = /^[a-zA-Z][a-zA-Z0-9]{0,40}$/;
export const EVIDENCE_KINDS = ['document', 'decision', 'certificate', 'url', 'other'] as const;
export const MOST_EVIDENCE = 20;
const EVIDENCE_REF_LENGTH = 500;
export const EVIDENCE_REF_PATTERN = freeTextPattern(EVIDENCE_REF_LENGTH);

export const referenceSchema = z
  .string()
  .regex(REFERENCE_PATTERN, 'must be 1-100 letters, digits, dot, colon, dash or underscore, starting with a letter or digit')
  .refine((reference) => !containsIdentityNumber(reference), 'must not contain a resident identity number: it becomes a workflow id, shown in clear (Art. 22)');

export const evidenceSchema = z
  .array(
    z.strictObject({
      kind: z.enum(EVIDENCE_KINDS),
      ref: freeText(EVIDENCE_REF_LENGTH),
    }),
  )
  .max(MOST_EVIDENCE)
  .default([]);
export type Evidence = z.infer<typeof evidenceSchema>[number];

/** What a detail's value may be: text Postgres can store, a finite number, a truth value or null. */
export function isDetailValue(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    (typeof value === 'string' && value.length <= 500 && !value.includes('\u0000'))
  );
}

/**
 * A detail's value: one refinement rather than a union of four schemas, which says what is wrong
 * in a sentence instead of "invalid input", and allocates an eighth less per record checked
 * (bulk intake checks a million in a batch).
 */
const detailValue = z
  .unknown()
  .refine(
    isDetailValue,
    'must be text of at most 500 characters (without U+0000), a finite number, true, false or null',
  );

/** A market provider's attestation of responsibility (Art. 10, second paragraph). */
export const attestationSchema = z.strictObject({ statement: z.literal(MARKET_ATTESTATION), attestedBy: freeText(200), attestedAt: timestampSchema });

const recordFields = z.strictObject({
  reference: referenceSchema,
  category: z.enum(CATEGORIES),
  typeCode: z.string().regex(TYPE_CODE_PATTERN, 'must be a type code of the catalogue, e.g. administrative-penalty'),
  formedOn: pastDateSchema,
  /** The tier the sharing agency classifies a negative record in (Guobanfa [2025] 22), within those its type allows. */
  tier: z
    .enum(SEVERITIES)
    .optional()
    .describe("a negative record's tier, one its type allows (GET /record-types); without it a warning or a circulated criticism is minor, else the type's default tier"),
  evidence: evidenceSchema,
  /** The facts its type takes (GET /record-types), e.g. `procedure` of an administrative penalty or `validUntil` of a residence permit. */
  details: z
    .record(z.string().regex(DETAIL_KEY_PATTERN), detailValue)
    .default({})
    .describe('the facts the record type takes, as GET /record-types lists them; any other is refused'),
  attestation: attestationSchema.optional(),
});

type RecordFields = z.infer<typeof recordFields>;

/** A rule broken: where, and why. */
interface RuleProblem {
  path: string[];
  message: string;
}

/** Art. 9(5): penalties under the simple procedure, and minor violations promptly remedied, are not collected. */
function excludedPenaltyProblem(record: Pick<RecordFields, 'typeCode' | 'details'>): RuleProblem | undefined {
  if (record.typeCode !== 'administrative-penalty') return undefined;
  if (record.details.procedure === 'simple') {
    return { path: ['details', 'procedure'], message: 'Art. 9(5) excludes administrative penalties under the simple procedure' };
  }
  if (record.details.minorPromptlyRemedied === true) {
    return {
      path: ['details', 'minorPromptlyRemedied'],
      message: 'Art. 9(5) excludes penalties for minor violations whose harm was promptly and voluntarily removed or reduced',
    };
  }
  if (record.details.procedure !== 'general') return { path: ['details', 'procedure'], message: "must be 'general' (Art. 9(5) excludes the simple procedure)" };
  return undefined;
}

/**
 * Rules that hold whatever the form of the person reference. What each type's details are is
 * the catalogue's to say (catalogueProblem in record-types.ts), checked where the catalogue is read.
 */
export function recordRuleProblems(record: RecordFields): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const penalty = excludedPenaltyProblem(record);
  if (penalty) problems.push(penalty);
  if (record.category === 'market' && !record.attestation) {
    problems.push({ path: ['attestation'], message: "Art. 10: a market record needs the provider's attestation of responsibility" });
  }
  return problems;
}

/** Problems of a rule as a schema's issues. */
function asIssues<T>(rule: (value: T) => RuleProblem | RuleProblem[] | undefined): (value: T, ctx: z.RefinementCtx) => void {
  return (value, ctx) => {
    for (const { path, message } of [rule(value) ?? []].flat()) ctx.addIssue({ code: 'custom', path, message });
  };
}

const recordRules = asIssues(recordRuleProblems);
const excludedPenalty = asIssues(excludedPenaltyProblem);

/** A resident identity number as a sender gives it (GB 11643); workflows get its keyed hash and sealed form only. */
export const identityNumberSchema = z.string().superRefine((value, ctx) => {
  const parsed = parseIdentityNumber(value);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `the resident identity number ${parsed.reason}` });
});

/** A record as an agency or provider sends it to the API. */
export const recordSubmissionSchema = recordFields.extend({ identityNumber: identityNumberSchema }).superRefine(recordRules);
export type RecordSubmission = z.infer<typeof recordSubmissionSchema>;

const SUBMISSION_FIELDS = new Set(Object.keys(recordSubmissionSchema.shape));

/**
 * For bulk intake, which checks a million rows a batch: the submission schema without its own
 * refusal of unknown fields (zod's strict objects take a slower path, a tenth of bulk intake's
 * time), to be used after `unknownSubmissionField` has refused them, with the same answer.
 */
export const recordSubmissionRowSchema = recordSubmissionSchema.strip();

/** The first field of a submitted record that a record does not have, if any. */
export function unknownSubmissionField(row: object): string | undefined {
  for (const field in row) if (!SUBMISSION_FIELDS.has(field)) return field;
  return undefined;
}

/**
 * The person a record is about, as workflows see them: a keyed hash and the sealed number, never
 * the number itself (DESIGN.md: workflow inputs carry opaque ids).
 */
export const sealedPersonSchema = z.strictObject({
  key: z.string().regex(/^[0-9a-f]{64}$/, 'must be the keyed hash of the identity number'),
  sealed: z.string().min(1).max(200),
  birthDate: calendarDateSchema,
});
export type SealedPerson = z.infer<typeof sealedPersonSchema>;

/** A record in the form the record-sharing workflow takes it (validated again by the Update's validator). */
export const sharedRecordSchema = recordFields.extend({ person: sealedPersonSchema }).superRefine(recordRules);
export type SharedRecord = z.infer<typeof sharedRecordSchema>;

/** What a correction may change: the content, never who shared it, about whom, or its reference. */
export const recordCorrectionSchema = z
  .strictObject({
    typeCode: recordFields.shape.typeCode,
    formedOn: pastDateSchema,
    tier: recordFields.shape.tier,
    details: recordFields.shape.details,
    evidence: recordFields.shape.evidence,
  })
  .superRefine(excludedPenalty);
export type RecordCorrection = z.infer<typeof recordCorrectionSchema>;

/** Who shares records: a public credit information management entity (Art. 10) or a market provider. */
export type SharerKind = 'agency' | 'provider';

/** Why a sharer of this kind may not share a record of this category, if it may not (Art. 8). */
export function sharingRefusal(kind: SharerKind, category: string): string | undefined {
  if (kind === 'provider' && category !== 'market') return 'a market provider shares market information only (Art. 8)';
  if (kind === 'agency' && category === 'market') return 'market information comes from market providers (Art. 8)';
  return undefined;
}

/** What became of a shared record: stored, or recognised as shared before (a refusal is thrown, RECORD_REFUSED). */
export type ShareOutcome =
  | { status: 'accepted'; recordId: string; version: number; late: boolean; personId: string }
  | { status: 'duplicate'; recordId: string; version: number }
  | { status: 'conflict'; recordId: string; version: number };

/**
 * A record counts while active; a revoked one (withdrawn by its sharer or removed on objection)
 * and a repaired one (Art. 21) no longer count, and stay for audit.
 */
export const RECORD_STATUSES = ['active', 'revoked', 'repaired'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/** A correction, revocation or repair of a shared record (Art. 8-10, 20, 21): records are never deleted. */
export interface RecordChange {
  sharerId: string;
  reference: string;
  kind: 'correct' | 'revoke' | 'repair';
  /** The corrected content (a correction); a revocation keeps the content. */
  correction?: RecordCorrection;
  reason: string;
  changedBy: string;
}

/** A change made: the record's new version and status. */
export type RecordChanged = { status: 'changed'; recordId: string; version: number; recordStatus: RecordStatus; personId: string };

/** A change made, or why the record cannot take it (the objection and repair processes read the reason; the records process refuses). */
export type RecordChangeOutcome = RecordChanged | { status: 'refused'; code: 'not-found' | 'conflict' | 'invalid'; field: string; reason: string };

/** The first problem of a failed validation, as a field path and a sentence. */
export function firstProblem(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0]!;
  return { field: issue.path.join('.') || 'record', message: issue.message };
}
