import { describe, expect, it } from 'vitest';
import { ageOn, parseIdentityNumber } from '../../src/domain/identity-number';
import { scopeOn, type PersonStanding } from '../../src/domain/scope';
import { identityNumber, withWrongCheckDigit } from '../support/identities';

describe('Art. 3 resident identity numbers (GB 11643)', () => {
  it('accepts a valid number, with either case of the check character X', () => {
    const parsed = parseIdentityNumber('11010519491231002x');
    expect(parsed).toEqual({ ok: true, identity: { value: '11010519491231002X', regionCode: '110105', birthDate: '1949-12-31' } });
  });

  it('refuses a wrong check digit without echoing the number', () => {
    const wrong = withWrongCheckDigit(identityNumber('1990-05-17', 123));
    const parsed = parseIdentityNumber(wrong);
    expect(parsed).toEqual({ ok: false, reason: 'has a wrong check digit' });
  });

  it('refuses an impossible birth date, an unknown province and a malformed number', () => {
    expect(parseIdentityNumber('370102199002300011')).toMatchObject({ ok: false, reason: 'does not hold a valid birth date' });
    expect(parseIdentityNumber(identityNumber('1990-01-01', 1, '990102'))).toMatchObject({ ok: false, reason: 'does not start with a valid province code' });
    expect(parseIdentityNumber('3701021990')).toMatchObject({ ok: false });
  });

  it('counts full years of age', () => {
    expect(ageOn('2008-11-26', '2026-11-25')).toBe(17);
    expect(ageOn('2008-11-25', '2026-11-25')).toBe(18);
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
  });
});

describe('Art. 3 persons in scope', () => {
  const adult: PersonStanding = { birthDate: '1990-05-17', residency: 'household', residencePermitValidUntil: null, civilCapacity: 'full' };

  it('covers an adult with full civil capacity and a local household registration', () => {
    expect(scopeOn(adult, '2026-11-25')).toEqual({ inScope: true });
  });

  it('covers a residence-permit holder while the permit is valid', () => {
    const holder = { ...adult, residency: 'residence-permit' as const, residencePermitValidUntil: '2026-12-31' };
    expect(scopeOn(holder, '2026-12-31')).toEqual({ inScope: true });
    expect(scopeOn(holder, '2027-01-01')).toMatchObject({ inScope: false, reasons: [{ code: 'no-local-residency' }] });
  });

  it('gives every reason for someone out of scope', () => {
    const minor = { birthDate: '2010-01-01', residency: 'non-local' as const, residencePermitValidUntil: null, civilCapacity: 'limited' as const };
    const scope = scopeOn(minor, '2026-11-25');
    expect(scope.inScope).toBe(false);
    expect(scope.inScope ? [] : scope.reasons.map((r) => r.code)).toEqual(['under-18', 'no-local-residency', 'civil-capacity-not-full']);
  });

  it('keeps a person whose residency no agency has confirmed out of scope until it is', () => {
    const unconfirmed = { ...adult, residency: null, civilCapacity: null };
    expect(scopeOn(unconfirmed, '2026-11-25')).toMatchObject({ inScope: false, reasons: [{ code: 'residency-unconfirmed' }, { code: 'civil-capacity-unconfirmed' }] });
  });
});
