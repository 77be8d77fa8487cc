import { isLocalDate, type LocalDate } from './working-days';

/**
 * The 18-character resident identity number of GB 11643-1999: a 6-digit administrative region,
 * the birth date YYYYMMDD, a 3-digit sequence (odd for men, even for women) and an ISO 7064
 * MOD 11-2 check character. Parsing never echoes the number back in an error (Art. 22).
 */
export interface IdentityNumber {
  /** Normalised: upper-case check character. */
  value: string;
  regionCode: string;
  birthDate: LocalDate;
}

export type IdentityNumberResult = { ok: true; identity: IdentityNumber } | { ok: false; reason: string };

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARACTERS = '10X98765432';
/**
 * Province-level codes of GB/T 2260 (the first two digits of the region), and 83 beside 81 and 82:
 * the residence permits of Hong Kong (810000), Macao (820000) and Taiwan (830000) residents carry
 * numbers of the same form, and their holders are residents like any other (Art. 3).
 */
const PROVINCES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82', '83',
]);

/** The check character of the first 17 characters (more are ignored). */
export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARACTERS[sum % 11]!;
}

/** The parts of a normalised number, as it is laid out; whether they are valid is not asked here. */
function partsOf(value: string): IdentityNumber {
  return { value, regionCode: value.slice(0, 6), birthDate: `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}` };
}

export function parseIdentityNumber(input: string, today?: LocalDate): IdentityNumberResult {
  const value = input.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(value)) return { ok: false, reason: 'must be 18 characters: 17 digits and a digit or X' };
  if (!PROVINCES.has(value.slice(0, 2))) return { ok: false, reason: 'does not start with a valid province code' };
  const identity = partsOf(value);
  if (!isLocalDate(identity.birthDate) || identity.birthDate < '1900-01-01' || (today !== undefined && identity.birthDate > today)) {
    return { ok: false, reason: 'does not hold a valid birth date' };
  }
  if (checkCharacter(value) !== value[17]) return { ok: false, reason: 'has a wrong check digit' };
  return { ok: true, identity };
}

/**
 * Whether a text holds a resident identity number anywhere in it (18 characters that parse as one:
 * province, birth date, check digit). References and event ids become workflow ids, which the
 * Temporal Web UI shows in clear, so none may carry one.
 */
export function containsIdentityNumber(text: string): boolean {
  // Shorter text holds none, and most references are shorter: bulk intake asks a million times a batch.
  if (text.length < 18) return false;
  for (const match of text.matchAll(/(?=(\d{17}[\dXx]))/g)) {
    if (parseIdentityNumber(match[1]!).ok) return true;
  }
  return false;
}

/**
 * The parts of a number that parseIdentityNumber (or a schema using it) has already accepted,
 * without checking it again: bulk intake checks a million rows a batch, and a route's body schema
 * (`identityNumberSchema`) has checked the numbers its handler takes.
 */
export function acceptedIdentityNumber(input: string): IdentityNumber {
  return partsOf(input.trim().toUpperCase());
}

/** Full years of age on a day. */
export function ageOn(birthDate: LocalDate, day: LocalDate): number {
  const years = Number(day.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return day.slice(5) >= birthDate.slice(5) ? years : years - 1;
}
