import { z } from 'zod';
import { pastDateSchema } from './input';
import { recordCorrectionSchema } from './record';
import { catalogueProblem, type RecordType } from './record-types';

/**
 * Art. 11: a person may declare their honours and social contribution themself, with proof, and
 * authorize the competent agency to verify it; what the agency verifies counts like any record.
 */
export const DECLARABLE_CATEGORIES = ['honours', 'social-contribution'] as const;

/**
 * The agency's working days to verify a declaration. The regulation sets no number; this is the
 * agency's time to verify a forwarded objection (Art. 20), the nearest clock it does set.
 */
export const VERIFICATION_WORKING_DAYS = 5;

export const declarationSchema = z.strictObject({
  category: z.enum(DECLARABLE_CATEGORIES).describe('Art. 11 takes honours and social contribution only'),
  typeCode: recordCorrectionSchema.shape.typeCode,
  formedOn: pastDateSchema.describe('the day the honour was awarded or the contribution made'),
  details: recordCorrectionSchema.shape.details,
  evidence: recordCorrectionSchema.shape.evidence.refine((evidence) => evidence.length > 0, 'a declaration needs its proof: at least one evidence reference'),
  authorizeVerification: z.literal(true, 'Art. 11: the declarant authorizes the competent agency to verify the declaration'),
});
export type Declaration = z.infer<typeof declarationSchema>;

/** A declaration as it is filed: what the person declared, and the agency the platform routed it to. */
export type RoutedDeclaration = Omit<Declaration, 'authorizeVerification'> & { verifierId: string };

/** The details that name who issued what is declared: an honour's awarding body, the organisation served, the charity given to. */
const ISSUER_DETAILS = ['awardedBy', 'organisation', 'recipient'] as const;

/**
 * Who issued what a declaration declares, as its details say, or '' when they do not: with its
 * type, what the platform routes it by (Art. 11: the competent agency verifies, not one the
 * declarant picks).
 */
export function issuerOf(details: Record<string, unknown>): string {
  for (const name of ISSUER_DETAILS) {
    const issuer = details[name];
    if (typeof issuer === 'string' && issuer.trim() !== '') return issuer.trim();
  }
  return '';
}

/** Why a declaration cannot be verified at all: the catalogue does not know its type as positive information of its category. */
export function declarationProblem(
  catalogue: ReadonlyMap<string, Pick<RecordType, 'code' | 'category' | 'polarity' | 'details' | 'tiers'>>,
  declaration: Pick<Declaration, 'category' | 'typeCode' | 'details'>,
): { field: string; message: string } | undefined {
  const unfit = catalogueProblem(catalogue, declaration);
  if (unfit) return unfit;
  if (catalogue.get(declaration.typeCode)!.polarity !== 'positive') return { field: 'typeCode', message: `${declaration.typeCode} is not positive information: Art. 11 takes honours and social contribution` };
  return undefined;
}
