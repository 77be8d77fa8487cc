/** The platform's roles (DESIGN.md "Who uses it"). */
export const ROLES = ['agency', 'provider', 'ndrc', 'person', 'requester', 'institution', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as their bearer token says. */
export interface Actor {
  subject: string;
  role: Role;
  /** For agencies and providers: the sharer they act for. */
  agencyId?: string;
  /** For persons: their opaque person id, never an identity number. */
  personId?: string;
}
