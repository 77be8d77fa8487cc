/** The platform's roles (DESIGN.md "Who uses it"). */
export const ROLES = ['agency', 'provider', 'ndrc', 'person', 'requester', 'institution', 'supervisor', 'admin', 'civic-db'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles whose tokens name the organisation they act for (the `agency` claim): sharers (agencies,
 * providers), the civilised-behaviour database (`civic-db`, Art. 21), fed by the agency that runs
 * it, and requesters (Art. 15), registered organisations that read under authorizations.
 */
export const ROLES_WITH_AGENCY: readonly Role[] = ['agency', 'provider', 'civic-db', 'requester'];

/** Who is calling, as their bearer token says. */
export interface Actor {
  subject: string;
  role: Role;
  /** For agencies, providers and the civic database: the agency they act for. */
  agencyId?: string;
  /** For persons: their opaque person id, never an identity number. */
  personId?: string;
  /** The identity provider authenticated the caller by real name (its `acr` claim; Art. 7). */
  realName?: boolean;
}
