/**
 * Authorizations (Art. 15, 18): a person lets a registered requester (a bank, an employer, a
 * landlord, another city's platform) read what one purpose needs of one scenario, until a time.
 * The purposes are a closed list, and each discloses only what it needs (PIPL art. 6: minimum
 * necessity) [ours, to be confirmed by NDRC].
 */
export const PURPOSES = ['lending', 'employment', 'tenancy'] as const;
export type Purpose = (typeof PURPOSES)[number];

export type Disclosed = 'score' | 'level';

/** The scenarios a purpose may read and what of them: lending the lending score and level (Art. 18); others the base level only. */
export const PURPOSE_SCOPES: Record<Purpose, { scenarios: readonly string[]; discloses: readonly Disclosed[] }> = {
  lending: { scenarios: ['lending'], discloses: ['score', 'level'] },
  employment: { scenarios: ['base'], discloses: ['level'] },
  tenancy: { scenarios: ['base'], discloses: ['level'] },
};

/** The longest an authorization may run [ours]. */
export const MAX_AUTHORIZATION_DAYS = 365;

/** Why an authorization and a scenario do not go together, if they do not. */
export function scopeProblem(purpose: Purpose, scenario: string): string | undefined {
  const scope = PURPOSE_SCOPES[purpose];
  return scope.scenarios.includes(scenario) ? undefined : `the purpose ${purpose} may read the scenario ${scope.scenarios.join(' or ')}, not ${scenario}`;
}
