import type pg from 'pg';
import { enqueueNotifications } from '../../db/notifications';
import { withTransaction } from '../../db/transaction';
import {
  AGREEMENT_IN_FORCE,
  AGREEMENT_NOT_FOUND,
  AGREEMENT_TEXT_OUTDATED,
  AGREEMENT_VERSION_TAKEN,
  type AgreementChange,
  type AgreementOutcome,
  type AgreementTextPublication,
  type PublishedAgreementText,
} from '../../workflows/agreement/contract';
import { PERSON_NOT_FOUND, refusal } from '../../workflows/shared/contract';
import type { Queryable } from '../../db/pool';

async function outcomeOf(db: Queryable, agreementId: string): Promise<AgreementOutcome | undefined> {
  const found = await db.query<{ text_version: string; signed_at: Date; revoked_at: Date | null }>(
    'SELECT text_version, signed_at, revoked_at FROM agreements WHERE id = $1',
    [agreementId],
  );
  const row = found.rows[0];
  return row && { agreementId, textVersion: row.text_version, signedAt: row.signed_at.toISOString(), revokedAt: row.revoked_at?.toISOString() ?? null };
}

/** Activities of the collection-and-use agreement (Art. 7). Both are idempotent. */
export function createAgreementActivities({ pool }: { pool: pg.Pool }) {
  return {
    /** Records the signature of the text in force; refused for another text or while one is in force (named). */
    async signAgreement(input: Extract<AgreementChange, { kind: 'sign' }> & { at: string }): Promise<AgreementOutcome> {
      return withTransaction(pool, async (db) => {
        const again = await outcomeOf(db, input.agreementId);
        if (again) return again;
        const person = await db.query('SELECT 1 FROM persons WHERE id = $1 FOR UPDATE', [input.personId]);
        if (!person.rowCount) throw refusal(PERSON_NOT_FOUND, `No person ${input.personId}`, 'personId');
        const text = await db.query<{ version: string }>(`SELECT version FROM agreement_texts WHERE status = 'active'`);
        if (text.rows[0]?.version !== input.textVersion) {
          throw refusal(AGREEMENT_TEXT_OUTDATED, `Sign the agreement's text in force, version ${text.rows[0]?.version}`, 'textVersion');
        }
        const standing = await db.query<{ id: string; in_force: boolean }>(
          'SELECT id, agreement_in_force(person_id) AS in_force FROM agreements WHERE person_id = $1 AND revoked_at IS NULL',
          [input.personId],
        );
        const previous = standing.rows[0];
        if (previous?.in_force) throw refusal(AGREEMENT_IN_FORCE, `An agreement is in force already: ${previous.id}`, 'agreement');
        // Signed on a version that a later one needing new consent stopped: the new signature replaces it.
        if (previous) {
          await db.query('UPDATE agreements SET revoked_at = $2, revoked_by = $3, revocation_channel = $4 WHERE id = $1', [
            previous.id,
            input.at,
            `superseded by ${input.agreementId}`,
            input.channel,
          ]);
        }
        await db.query(
          `INSERT INTO agreements (id, person_id, text_version, channel, assurance, signed_by, signed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [input.agreementId, input.personId, input.textVersion, input.channel, input.assurance, input.by, input.at],
        );
        await enqueueNotifications(db, [
          { id: `agreement/${input.agreementId}/signed`, recipientRole: 'person', recipientId: input.personId, kind: 'agreement-signed', workflowId: `agreement/${input.agreementId}`, body: { agreementId: input.agreementId, textVersion: input.textVersion } },
        ]);
        return (await outcomeOf(db, input.agreementId))!;
      });
    },

    /** Puts a new version of the text in force and retires the one before; a retry finds its version. */
    async publishAgreementText(input: AgreementTextPublication & { at: string }): Promise<PublishedAgreementText> {
      return withTransaction(pool, async (db) => {
        await db.query('LOCK TABLE agreement_texts IN SHARE ROW EXCLUSIVE MODE');
        const again = await db.query<{ text: string; published_at: Date; requires_new_consent: boolean; retired: string | null }>(
          `SELECT text, published_at, requires_new_consent,
                  (SELECT version FROM agreement_texts r WHERE r.published_at < p.published_at ORDER BY r.published_at DESC LIMIT 1) AS retired
           FROM agreement_texts p WHERE version = $1`,
          [input.version],
        );
        const found = again.rows[0];
        if (found) {
          if (found.text !== input.text) throw refusal(AGREEMENT_VERSION_TAKEN, `Version ${input.version} is published already, with another text`, 'version');
          return { version: input.version, publishedAt: found.published_at.toISOString(), requiresNewConsent: found.requires_new_consent, retired: found.retired };
        }
        const retired = await db.query<{ version: string }>(`UPDATE agreement_texts SET status = 'retired' WHERE status = 'active' RETURNING version`);
        await db.query(
          `INSERT INTO agreement_texts (version, status, text, published_at, requires_new_consent, published_by) VALUES ($1, 'active', $2, $3, $4, $5)`,
          [input.version, input.text, input.at, input.requiresNewConsent, input.publishedBy],
        );
        return { version: input.version, publishedAt: new Date(input.at).toISOString(), requiresNewConsent: input.requiresNewConsent, retired: retired.rows[0]?.version ?? null };
      });
    },

    /** Revokes the person's agreement from now; a revocation repeated finds it revoked. */
    async revokeAgreement(input: Extract<AgreementChange, { kind: 'revoke' }> & { at: string }): Promise<AgreementOutcome> {
      return withTransaction(pool, async (db) => {
        const revoked = await db.query(
          `UPDATE agreements SET revoked_at = $3, revoked_by = $4, revocation_channel = $5 WHERE id = $1 AND person_id = $2 AND revoked_at IS NULL`,
          [input.agreementId, input.personId, input.at, input.by, input.channel],
        );
        if (revoked.rowCount) {
          await enqueueNotifications(db, [
            { id: `agreement/${input.agreementId}/revoked`, recipientRole: 'person', recipientId: input.personId, kind: 'agreement-revoked', workflowId: `agreement/${input.agreementId}/revocation`, body: { agreementId: input.agreementId } },
          ]);
        }
        const outcome = await outcomeOf(db, input.agreementId);
        if (!outcome) throw refusal(AGREEMENT_NOT_FOUND, `No agreement ${input.agreementId} of this person`, 'agreementId');
        return outcome;
      });
    },
  };
}

export type AgreementActivities = ReturnType<typeof createAgreementActivities>;
