import { z } from 'zod';

/**
 * Authorizations (Art. 15, 18): a person lets a registered requester (a bank, another city's
 * platform) read what one purpose needs of one scenario, until a time. The purposes are data NDRC
 * publishes and versions (`query_purposes`), each with its legal basis and what it discloses (PIPL
 * art. 6: minimum necessity); only requesters registered for a purpose may use it. The seeded
 * catalogue holds lending alone (Art. 18). No purpose lets an employer or a landlord read a score:
 * a low score must never become a reason to refuse a job or a home (Art. 12).
 */

/** What a purpose may disclose of a scenario's score. */
export const DISCLOSABLE = ['score', 'level'] as const;
export type Disclosed = (typeof DISCLOSABLE)[number];

export const purposeCodeSchema = z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'must be 2-40 lower-case letters, digits or dashes, starting with a letter');

/** A version of a purpose as NDRC publishes it. */
export const purposeSchema = z.strictObject({
  legalBasis: z.string().trim().min(3).max(200).describe('the articles that allow the query, e.g. "Art. 15, 18"'),
  description: z.string().trim().min(10).max(2000).describe('what the purpose is for, and who uses it'),
  scenarios: z.array(z.string().regex(/^[a-z][a-z0-9-]{1,39}$/)).min(1).max(5).describe('the scenarios it may read'),
  discloses: z
    .array(z.enum(DISCLOSABLE))
    .min(1)
    .max(2)
    .refine((disclosed) => new Set(disclosed).size === disclosed.length, 'names each at most once')
    .describe('what it discloses of them: the score, the level, or both'),
  inForce: z.boolean().default(true).describe('false withdraws the purpose: no query under it is answered any more'),
});
export type PurposeVersion = z.infer<typeof purposeSchema>;

/** The longest an authorization may run [ours]. */
export const MAX_AUTHORIZATION_DAYS = 365;
