import { checkCharacter } from '../../src/domain/identity-number';

/**
 * A syntactically valid resident identity number (GB 11643) for a test person: a Jinan (3701xx)
 * region, the birth date, a sequence and the computed check character. Never a real person's.
 */
export function identityNumber(birthDate: string, sequence: number, region = '370102'): string {
  const first17 = `${region}${birthDate.replaceAll('-', '')}${String(sequence).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

/** The same number with a wrong check character. */
export function withWrongCheckDigit(value: string): string {
  const last = value.at(-1)!;
  return value.slice(0, 17) + (last === '0' ? '1' : '0');
}
