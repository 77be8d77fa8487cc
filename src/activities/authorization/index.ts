import type pg from 'pg';
import { hasAgreementInForce } from '../../db/agreements';
import { enqueueNotifications } from '../../db/notifications';
import { withTransaction } from '../../db/transaction';
import { AGREEMENT_REQUIRED, REQUESTER_NOT_FOUND, type AuthorizationInput } from '../../workflows/authorization/contract';
import { PERSON_NOT_FOUND, refusal } from '../../workflows/shared/contract';

/** Activities of authorizations (Art. 15, 18). Both are idempotent. */
export function createAuthorizationActivities({ pool }: { pool: pg.Pool }) {
  return {
    /** Records the grant; refused, with nothing written, for an unknown requester or without an agreement in force (Art. 7). */
    async grantAuthorization(input: AuthorizationInput & { at: string }): Promise<{ grantedAt: string }> {
      return withTransaction(pool, async (db) => {
        const again = await db.query<{ granted_at: Date }>('SELECT granted_at FROM authorizations WHERE id = $1', [input.authorizationId]);
        if (again.rows[0]) return { grantedAt: again.rows[0].granted_at.toISOString() };
        const person = await db.query('SELECT 1 FROM persons WHERE id = $1 FOR UPDATE', [input.personId]);
        if (!person.rowCount) throw refusal(PERSON_NOT_FOUND, `No person ${input.personId}`, 'personId');
        const requester = await db.query(`SELECT 1 FROM agencies WHERE id = $1 AND kind = 'requester'`, [input.requesterId]);
        if (!requester.rowCount) throw refusal(REQUESTER_NOT_FOUND, `${input.requesterId} is not a registered requester`, 'requesterId');
        if (!(await hasAgreementInForce(db, input.personId))) {
          throw refusal(AGREEMENT_REQUIRED, 'No collection-and-use agreement is in force (Art. 7): sign it with POST /me/agreement first', 'agreement');
        }
        await db.query(
          `INSERT INTO authorizations (id, person_id, requester_id, purpose, scenario, valid_until, granted_by, granted_at, state)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active')`,
          [input.authorizationId, input.personId, input.requesterId, input.purpose, input.scenario, input.validUntil, input.grantedBy, input.at],
        );
        await enqueueNotifications(db, [
          {
            id: `authorization/${input.authorizationId}/granted`,
            recipientRole: 'person',
            recipientId: input.personId,
            kind: 'authorization-granted',
            workflowId: `authorization/${input.authorizationId}`,
            body: { authorizationId: input.authorizationId, requesterId: input.requesterId, purpose: input.purpose, validUntil: input.validUntil },
          },
        ]);
        return { grantedAt: input.at };
      });
    },

    /** Ends the authorization, revoked or expired; the person is told. */
    async endAuthorization(input: { authorizationId: string; state: 'expired' | 'revoked'; at: string }): Promise<void> {
      await withTransaction(pool, async (db) => {
        const ended = await db.query<{ person_id: string }>(
          `UPDATE authorizations SET state = $2, ended_at = $3 WHERE id = $1 AND state = 'active' RETURNING person_id`,
          [input.authorizationId, input.state, input.at],
        );
        const row = ended.rows[0];
        if (!row) return;
        await enqueueNotifications(db, [
          {
            id: `authorization/${input.authorizationId}/ended`,
            recipientRole: 'person',
            recipientId: row.person_id,
            kind: `authorization-${input.state}`,
            workflowId: `authorization/${input.authorizationId}`,
            body: { authorizationId: input.authorizationId },
          },
        ]);
      });
    },
  };
}

export type AuthorizationActivities = ReturnType<typeof createAuthorizationActivities>;
