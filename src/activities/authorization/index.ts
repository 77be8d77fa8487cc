import type pg from 'pg';
import { hasAgreementInForce } from '../../db/agreement-in-force';
import { enqueueNotifications } from '../../db/notifications';
import { withTransaction } from '../../db/transaction';
import {
  AGREEMENT_REQUIRED,
  PURPOSE_NOT_PUBLISHED,
  REQUESTER_NOT_FOUND,
  REQUESTER_NOT_REGISTERED,
  SCENARIO_NOT_IN_PURPOSE,
  type AuthorizationInput,
  type PurposeChange,
  type PurposeChangeOutcome,
} from '../../workflows/authorization/contract';
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
        const purpose = await db.query<{ version: number; in_force: boolean; scenarios: string[]; registered: boolean }>(
          `SELECT version, in_force, scenarios, EXISTS (SELECT 1 FROM purpose_registrations WHERE purpose = $1 AND requester_id = $2) AS registered
           FROM query_purposes WHERE code = $1 ORDER BY version DESC LIMIT 1`,
          [input.purpose, input.requesterId],
        );
        const published = purpose.rows[0];
        if (!published?.in_force) throw refusal(PURPOSE_NOT_PUBLISHED, `${input.purpose} is not a purpose of the catalogue NDRC publishes (GET /purposes)`, 'purpose');
        if (!published.scenarios.includes(input.scenario)) {
          throw refusal(SCENARIO_NOT_IN_PURPOSE, `the purpose ${input.purpose} reads the scenario ${published.scenarios.join(' or ')}, not ${input.scenario}`, 'scenario');
        }
        if (!published.registered) throw refusal(REQUESTER_NOT_REGISTERED, `${input.requesterId} is not registered for the purpose ${input.purpose}`, 'requesterId');
        if (!(await hasAgreementInForce(db, input.personId))) {
          throw refusal(AGREEMENT_REQUIRED, 'No collection-and-use agreement is in force (Art. 7): sign it with POST /me/agreement first', 'agreement');
        }
        await db.query(
          `INSERT INTO authorizations (id, person_id, requester_id, purpose, purpose_version, scenario, valid_until, granted_by, granted_at, state)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active')`,
          [input.authorizationId, input.personId, input.requesterId, input.purpose, published.version, input.scenario, input.validUntil, input.grantedBy, input.at],
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

    /**
     * A change of the catalogue of purposes (Art. 12, 15, 18): a new version of a purpose, in force
     * from now (a retry finds the version it published), or a requester's registration for one.
     */
    async changePurpose(change: PurposeChange & { at: string }): Promise<PurposeChangeOutcome> {
      if (change.kind === 'register') {
        const requester = await pool.query(`SELECT 1 FROM agencies WHERE id = $1 AND kind = 'requester'`, [change.requesterId]);
        if (!requester.rowCount) throw refusal(REQUESTER_NOT_FOUND, `${change.requesterId} is not a registered requester`, 'requesterId');
        const known = await pool.query('SELECT 1 FROM query_purposes WHERE code = $1', [change.code]);
        if (!known.rowCount) throw refusal(PURPOSE_NOT_PUBLISHED, `${change.code} is not a purpose of the catalogue`, 'code');
        if (change.registered) {
          await pool.query(
            `INSERT INTO purpose_registrations (purpose, requester_id, registered_by, registered_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
            [change.code, change.requesterId, change.changedBy, change.at],
          );
        } else {
          await pool.query('DELETE FROM purpose_registrations WHERE purpose = $1 AND requester_id = $2', [change.code, change.requesterId]);
        }
        return { code: change.code, requesterId: change.requesterId, registered: change.registered };
      }
      return withTransaction(pool, async (db) => {
        // One change at a time per purpose, so versions follow each other.
        await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`query-purpose/${change.code}`]);
        const again = await db.query<{ version: number; published_at: Date }>(
          'SELECT version, published_at FROM query_purposes WHERE code = $1 AND published_at = $2 AND published_by = $3',
          [change.code, change.at, change.changedBy],
        );
        if (again.rows[0]) return { code: change.code, version: again.rows[0].version, publishedAt: again.rows[0].published_at.toISOString() };
        const scenarios = await db.query<{ scenario: string }>('SELECT DISTINCT scenario FROM score_models WHERE scenario = ANY($1)', [change.scenarios]);
        const unknown = change.scenarios.filter((scenario) => !scenarios.rows.some((row) => row.scenario === scenario));
        if (unknown.length > 0) throw refusal(SCENARIO_NOT_IN_PURPOSE, `no score model has the scenario ${unknown.join(', ')}`, 'scenarios');
        const published = await db.query<{ version: number }>(
          `INSERT INTO query_purposes (code, version, legal_basis, description, scenarios, discloses, in_force, published_by, published_at)
           SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM query_purposes WHERE code = $1 RETURNING version`,
          [change.code, change.legalBasis, change.description, change.scenarios, change.discloses, change.inForce, change.changedBy, change.at],
        );
        return { code: change.code, version: published.rows[0]!.version, publishedAt: new Date(change.at).toISOString() };
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
