import type { Queryable } from './pool';

/**
 * Whether the person has an agreement in force now (Art. 7): signed, not revoked, and of a version
 * no older than the latest that needed new consent (the SQL function `agreement_in_force`).
 */
export async function hasAgreementInForce(db: Queryable, personId: string): Promise<boolean> {
  const found = await db.query<{ agreed: boolean }>('SELECT agreement_in_force($1) AS agreed', [personId]);
  return found.rows[0]!.agreed;
}
