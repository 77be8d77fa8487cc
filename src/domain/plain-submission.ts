import { containsIdentityNumber, parseIdentityNumber } from './identity-number';
import { isCountableDay } from './input';
import {
  attestationSchema,
  CATEGORIES,
  DETAIL_KEY_PATTERN,
  EVIDENCE_KINDS,
  EVIDENCE_REF_PATTERN,
  isDetailValue,
  MOST_EVIDENCE,
  recordRuleProblems,
  REFERENCE_PATTERN,
  SEVERITIES,
  TYPE_CODE_PATTERN,
  unknownSubmissionField,
  type RecordSubmission,
} from './record';
import type { LocalDate } from './working-days';

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

/** An evidence item of exactly a kind and a reference. */
function isPlainEvidence(item: unknown): boolean {
  if (!isObject(item) || !isOneOf(EVIDENCE_KINDS, item.kind) || typeof item.ref !== 'string' || !EVIDENCE_REF_PATTERN.test(item.ref)) return false;
  for (const field in item) if (field !== 'kind' && field !== 'ref') return false;
  return true;
}

function isPlainDetails(details: Fields): boolean {
  for (const key in details) if (!DETAIL_KEY_PATTERN.test(key) || !isDetailValue(details[key])) return false;
  return true;
}

/**
 * A parsed bulk row that the submission schema (`recordSubmissionRowSchema`) plainly accepts, as
 * that schema would give it, checked in one pass over the fields with the schema's own patterns
 * and rules but without its parse: bulk intake checks a million rows a batch, and the parse, which
 * copies every object it accepts, was a quarter of what checking a row cost. Undefined when the
 * row is not plainly good, formed after `notAfter` included: the schema then decides, and words
 * any refusal. It may pass a good row to the schema; it never accepts one the schema refuses
 * (test/unit/plain-submission.test.ts).
 */
export function plainSubmission(row: unknown, notAfter: LocalDate): RecordSubmission | undefined {
  if (!isObject(row) || unknownSubmissionField(row) !== undefined) return undefined;
  const { reference, identityNumber, category, typeCode, formedOn, tier, evidence = [], details = {}, attestation } = row;
  if (typeof reference !== 'string' || !REFERENCE_PATTERN.test(reference) || containsIdentityNumber(reference)) return undefined;
  if (typeof identityNumber !== 'string' || !parseIdentityNumber(identityNumber).ok) return undefined;
  if (!isOneOf(CATEGORIES, category) || typeof typeCode !== 'string' || !TYPE_CODE_PATTERN.test(typeCode)) return undefined;
  if (typeof formedOn !== 'string' || !isCountableDay(formedOn) || formedOn > notAfter) return undefined;
  if (tier !== undefined && !isOneOf(SEVERITIES, tier)) return undefined;
  if (!Array.isArray(evidence) || evidence.length > MOST_EVIDENCE || !evidence.every(isPlainEvidence)) return undefined;
  if (!isObject(details) || !isPlainDetails(details)) return undefined;
  if (attestation !== undefined && !attestationSchema.safeParse(attestation).success) return undefined;
  // What the schema gives, its defaults included; an absent tier or attestation is undefined here.
  const record = { reference, identityNumber, category, typeCode, formedOn, tier, evidence, details, attestation } as RecordSubmission;
  return recordRuleProblems(record).length === 0 ? record : undefined;
}
