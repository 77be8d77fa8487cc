/**
 * The collection-and-use agreement (Art. 7): without one signed by real name and not revoked, no
 * score leaves the platform, to anyone, the person included. Scoring itself goes on.
 */

/** Where a person signs or revokes: the city's app, the website, the mini-program, a service counter. */
export const AGREEMENT_CHANNELS = ['app', 'web', 'mini-program', 'service-counter'] as const;
export type AgreementChannel = (typeof AGREEMENT_CHANNELS)[number];
