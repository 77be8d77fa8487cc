import type pg from 'pg';
import { withTransaction } from '../../db/transaction';
import { INCENTIVE_OWNED_ELSEWHERE, type IncentiveDefinitionChange } from '../../workflows/incentive/contract';
import { refusal } from '../../workflows/shared/contract';

/** Activities of the incentive catalogue (Art. 12, 16, 17). */
export function createIncentiveActivities({ pool }: { pool: pg.Pool }) {
  return {
    /** Stores the definition as the incentive's next version, retiring the one before; a retry finds its version. */
    async defineIncentive(change: IncentiveDefinitionChange): Promise<{ version: number }> {
      return withTransaction(pool, async (db) => {
        // One definition of an incentive at a time, whoever else defines another.
        await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`incentive/${change.incentiveId}`]);
        const again = await db.query<{ version: number }>('SELECT version FROM incentives WHERE definition_id = $1', [change.definitionId]);
        if (again.rows[0]) return again.rows[0];
        const current = await db.query<{ owner_agency: string }>(`SELECT owner_agency FROM incentives WHERE id = $1 ORDER BY version DESC LIMIT 1`, [change.incentiveId]);
        if (current.rows[0] && current.rows[0].owner_agency !== change.ownerAgency) {
          throw refusal(INCENTIVE_OWNED_ELSEWHERE, `The incentive ${change.incentiveId} is implemented by ${current.rows[0].owner_agency}`, 'incentiveId');
        }
        await db.query(`UPDATE incentives SET status = 'retired' WHERE id = $1 AND status = 'active'`, [change.incentiveId]);
        const stored = await db.query<{ version: number }>(
          `INSERT INTO incentives (id, version, owner_agency, status, definition, definition_id, defined_by)
           SELECT $1, coalesce(max(version), 0) + 1, $2, 'active', $3, $4, $5 FROM incentives WHERE id = $1
           RETURNING version`,
          [change.incentiveId, change.ownerAgency, JSON.stringify(change.definition), change.definitionId, change.definedBy],
        );
        return stored.rows[0]!;
      });
    },
  };
}

export type IncentiveActivities = ReturnType<typeof createIncentiveActivities>;
