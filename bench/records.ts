import { checkCharacter } from '../src/domain/identity-number';
import { addDays } from '../src/domain/working-days';

/** The record types the benchmarks share, with details each type takes. */
const TYPES = [
  { category: 'administrative', typeCode: 'administrative-penalty', details: { procedure: 'general', amountYuan: 500 } },
  { category: 'social-contribution', typeCode: 'volunteering', details: { hours: 12 } },
  { category: 'social-contribution', typeCode: 'blood-donation', details: { millilitres: 400 } },
  { category: 'honours', typeCode: 'honour-municipal', details: { title: 'Jinan model worker' } },
  { category: 'promise-keeping', typeCode: 'tax-refusal', details: { amountYuan: 3200 } },
];

/** A distinct adult for each i below 18 million: birth days over about 49 years, then the sequence number. */
export function benchIdentityNumber(i: number): string {
  const birth = addDays('1950-01-01', i % 18_000).replaceAll('-', '');
  const first17 = `3701${String(2 + (i % 10)).padStart(2, '0')}${birth}${String(Math.floor(i / 18_000) % 1000).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

/** The i-th record of a batch: the types in turn, formed over the last 30 days, spread over `persons` persons. */
export function benchRecord(i: number, today: string, persons: number) {
  const type = TYPES[i % TYPES.length]!;
  return {
    reference: `BENCH-${i}`,
    identityNumber: benchIdentityNumber((i * 7919) % persons),
    category: type.category,
    typeCode: type.typeCode,
    formedOn: addDays(today, -(i % 30)),
    evidence: [{ kind: 'decision', ref: `decision BENCH-${i}` }],
    details: type.details,
  };
}
