import type pg from 'pg';
import type { PartnerCityRegistration } from '../../workflows/attestation/contract';

/** Activities of mutual recognition (Art. 19). */
export function createAttestationActivities({ pool }: { pool: pg.Pool }) {
  return {
    /** Registers or replaces a partner city's issuer, keys and level mapping; the same registration again changes nothing. */
    async registerPartnerCity(registration: PartnerCityRegistration): Promise<void> {
      await pool.query(
        `INSERT INTO partner_cities (id, name, issuer, jwks, level_mapping, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, issuer = EXCLUDED.issuer, jwks = EXCLUDED.jwks,
           level_mapping = EXCLUDED.level_mapping, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [registration.id, registration.name, registration.issuer, JSON.stringify(registration.jwks), JSON.stringify(registration.levelMapping), registration.registeredBy],
      );
    },
  };
}

export type AttestationActivities = ReturnType<typeof createAttestationActivities>;
