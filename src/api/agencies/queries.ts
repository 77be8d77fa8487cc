import type pg from 'pg';

export type OrganisationKind = 'agency' | 'provider' | 'requester';

/** The token roles an organisation of a kind acts in: an agency shares and verifies (and may run the civilised-behaviour database's feed). */
export const ROLES_OF_KIND: Record<OrganisationKind, string[]> = {
  agency: ['agency', 'civic-db'],
  provider: ['provider'],
  requester: ['requester'],
};

export interface OrganisationRow {
  id: string;
  name: string;
  kind: OrganisationKind;
}

/** Every registered organisation, by kind then id. */
export async function registeredOrganisations(pool: pg.Pool): Promise<OrganisationRow[]> {
  const found = await pool.query<OrganisationRow>('SELECT id, name, kind FROM agencies ORDER BY kind, id');
  return found.rows;
}
