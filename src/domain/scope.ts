import { ageOn } from './identity-number';
import type { LocalDate } from './working-days';

/** What the identity information shared by agencies (Art. 9(1)) says about a person. */
export interface PersonStanding {
  birthDate: LocalDate;
  /** Local household registration (户籍), a residence permit (居住证), or neither. */
  residency: 'household' | 'residence-permit' | 'non-local' | null;
  residencePermitValidUntil: LocalDate | null;
  civilCapacity: 'full' | 'limited' | 'none' | null;
}

export type ScopeReason = 'under-18' | 'no-local-residency' | 'residency-unconfirmed' | 'civil-capacity-not-full' | 'civil-capacity-unconfirmed';

export type Scope = { inScope: true } | { inScope: false; reasons: { code: ScopeReason; message: string }[] };

const MESSAGES: Record<ScopeReason, string> = {
  'under-18': 'Art. 3: the person is under 18 on that day',
  'no-local-residency': 'Art. 3: the person has neither a local household registration nor a valid residence permit',
  'residency-unconfirmed': 'Art. 3: no agency has confirmed the person\'s household registration or residence permit yet',
  'civil-capacity-not-full': 'Art. 3: the person does not have full civil capacity',
  'civil-capacity-unconfirmed': 'Art. 3: no agency has confirmed the person\'s civil capacity yet',
};

/**
 * Art. 3: the measures cover residents of Jinan aged 18 or more with full civil capacity, being
 * either locally registered households or holders of a residence permit.
 */
export function scopeOn(person: PersonStanding, day: LocalDate): Scope {
  const reasons: ScopeReason[] = [];
  if (ageOn(person.birthDate, day) < 18) reasons.push('under-18');
  const permitValid = person.residency === 'residence-permit' && (person.residencePermitValidUntil === null || person.residencePermitValidUntil >= day);
  if (person.residency === null) reasons.push('residency-unconfirmed');
  else if (person.residency !== 'household' && !permitValid) reasons.push('no-local-residency');
  if (person.civilCapacity === null) reasons.push('civil-capacity-unconfirmed');
  else if (person.civilCapacity !== 'full') reasons.push('civil-capacity-not-full');
  return reasons.length === 0 ? { inScope: true } : { inScope: false, reasons: reasons.map((code) => ({ code, message: MESSAGES[code] })) };
}

/** Why a record is not taken: the conduct dates from before the person's 18th birthday. */
export const BEFORE_ADULTHOOD = "Art. 3: the conduct dates from before the person's 18th birthday, which never counts";

/**
 * Whether the platform refuses a record about a person (issue 26 item 1): only conduct dated
 * before their 18th birthday, which never counts whenever it is shared. Anyone else's records are
 * kept whether or not the person is in scope today (collection is Art. 2; only scoring is Art. 3,
 * decided at each scoring), so a refusal says nothing that the identity number itself does not:
 * an agency never learns from it whether the platform knows the person, or where they live.
 */
export function refusesRecord(birthDate: LocalDate, formedOn: LocalDate): string | undefined {
  return ageOn(birthDate, formedOn) < 18 ? BEFORE_ADULTHOOD : undefined;
}

/** A record of the identity category (Art. 9(1)) about a person. */
export interface IdentityFact {
  personId: string;
  typeCode: string;
  details: Record<string, unknown>;
}

/** What a person's identity facts, applied in order, say about their residency and capacity. */
export interface MergedIdentity {
  household: boolean;
  permitUntil: LocalDate | null;
  capacity: string | null;
}

/**
 * Merges identity facts per person, in order, so several about one person (a batch may hold
 * them) all apply; facts of other types are left out. A household registration outranks a
 * residence permit where they meet (the update that applies the merge decides it against what
 * is stored).
 */
export function mergeIdentityFacts(facts: readonly IdentityFact[]): Map<string, MergedIdentity> {
  const merged = new Map<string, MergedIdentity>();
  for (const fact of facts) {
    const person = merged.get(fact.personId) ?? { household: false, permitUntil: null, capacity: null };
    if (fact.typeCode === 'household-registration') person.household = true;
    else if (fact.typeCode === 'residence-permit') person.permitUntil = String(fact.details.validUntil);
    else if (fact.typeCode === 'civil-capacity') person.capacity = String(fact.details.capacity);
    else continue;
    merged.set(fact.personId, person);
  }
  return merged;
}
