import type { Queryable } from '../../db/pool';

export interface AgreementRow {
  agreementId: string;
  textVersion: string;
  channel: string;
  signedAt: string;
  revokedAt: string | null;
  revocationChannel: string | null;
}

/** The collection-and-use agreement text in force (Art. 7). */
export async function agreementTextInForce(db: Queryable): Promise<{ version: string; text: string; publishedAt: string; requiresNewConsent: boolean }> {
  const found = await db.query<{ version: string; text: string; published_at: Date; requires_new_consent: boolean }>(
    `SELECT version, text, published_at, requires_new_consent FROM agreement_texts WHERE status = 'active'`,
  );
  const row = found.rows[0];
  if (!row) throw new Error('No agreement text in force: a migration installs the first');
  return { version: row.version, text: row.text, publishedAt: row.published_at.toISOString(), requiresNewConsent: row.requires_new_consent };
}

/** A person's agreements, the latest first: the one in force, if any, has no revocation. */
export async function agreementsOf(db: Queryable, personId: string): Promise<AgreementRow[]> {
  const found = await db.query<{ id: string; text_version: string; channel: string; signed_at: Date; revoked_at: Date | null; revocation_channel: string | null }>(
    'SELECT id, text_version, channel, signed_at, revoked_at, revocation_channel FROM agreements WHERE person_id = $1 ORDER BY signed_at DESC, id',
    [personId],
  );
  return found.rows.map((row) => ({
    agreementId: row.id,
    textVersion: row.text_version,
    channel: row.channel,
    signedAt: row.signed_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    revocationChannel: row.revocation_channel,
  }));
}
