import type pg from 'pg';

export function createAgencyActivities({ pool }: { pool: pg.Pool }) {
  return {
    async registerAgency(registration: { id: string; name: string; kind: 'agency' | 'provider' }): Promise<void> {
      await pool.query(
        `INSERT INTO agencies (id, name, kind) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind`,
        [registration.id, registration.name, registration.kind],
      );
    },
  };
}

export type AgencyActivities = ReturnType<typeof createAgencyActivities>;
