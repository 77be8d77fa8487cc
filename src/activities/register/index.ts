import type pg from 'pg';
import { enqueueNotifications } from '../../db/notifications';
import { MONTHS_AHEAD, MONTHS_KEPT, type RegisterUpkeep } from '../../workflows/register/contract';

/** Activities of the query register (Art. 22). */
export function createRegisterActivities({ pool }: { pool: pg.Pool }) {
  return {
    /** Creates the partitions missing up to a year ahead; names the months past three years and tells supervisors once a day. */
    async keepRegister(): Promise<RegisterUpkeep> {
      const created = await pool.query<{ created: number }>(
        `SELECT query_log_ensure_partitions((now() AT TIME ZONE 'Asia/Shanghai')::date, ((now() AT TIME ZONE 'Asia/Shanghai') + make_interval(months => $1))::date) AS created`,
        [MONTHS_AHEAD],
      );
      const archivable = await pool.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'query_log'::regclass
           AND c.relname < 'query_log_' || to_char((now() AT TIME ZONE 'Asia/Shanghai') - make_interval(months => $1), 'YYYY_MM')
         ORDER BY 1`,
        [MONTHS_KEPT],
      );
      const names = archivable.rows.map((row) => row.name);
      if (names.length > 0) {
        const today = (await pool.query<{ day: string }>(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day`)).rows[0]!.day;
        await enqueueNotifications(pool, [{ id: `register-upkeep/${today}`, recipientRole: 'supervisor', kind: 'register-archivable', body: { partitions: names } }]);
      }
      return { created: created.rows[0]!.created, archivable: names };
    },
  };
}

export type RegisterActivities = ReturnType<typeof createRegisterActivities>;
