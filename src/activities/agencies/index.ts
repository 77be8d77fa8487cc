import type pg from 'pg';
import type { AgencyRegistration } from '../../workflows/agencies/contract';

/** Activities of the registry of sharers. */
export function createAgencyActivities({ pool }: { pool: pg.Pool }) {
  return {
    async registerAgency(registration: AgencyRegistration): Promise<void> {
      await pool.query(
        `INSERT INTO agencies (id, name, kind) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind`,
        [registration.id, registration.name, registration.kind],
      );
    },
  };
}

export type AgencyActivities = ReturnType<typeof createAgencyActivities>;
