import { scryptSync } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDayOf } from '../../src/domain/working-days';
import { identityNumber } from '../support/identities';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';

describe('Art. 19 attestations other cities verify, and partner cities recognised here', () => {
  let platform: RunningPlatform;
  let transport: string;
  let person: string;
  let personId: string;
  let resident: string;
  let partnerKey: CryptoKey;
  let partnerJwk: JWK;
  const today = shanghaiDayOf(new Date());
  // A resident of the partner city (Qingdao, region 370202), never registered here.
  const visitor = identityNumber('1990-10-10', 101, '370202');

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);
  // As another city computes it, from the published parameters.
  const digest = (nonce: string, number: string) => scryptSync(number, nonce, 32, { N: 2 ** 14, r: 8, p: 1 }).toString('base64url');
  /** An attestation as the partner city's platform would sign it. */
  const partnerAttestation = (claims: { level: string; about?: string; expiresIn?: string }, key = partnerKey, issuer = 'qingdao-credit-platform') =>
    new SignJWT({ scenario: 'base', score: 1040, level: claims.level, model: 'qingdao-v3', on: today, nonce: 'n-1', id_digest: digest('n-1', claims.about ?? visitor) })
      .setProtectedHeader({ alg: 'ES256', kid: 'qd-2026', typ: 'credit-attestation+jwt' })
      .setIssuer(issuer)
      .setIssuedAt()
      .setExpirationTime(claims.expiresIn ?? '30m')
      .sign(key);
  const ask = (body: Record<string, unknown>, incentive = 'bus-fast-track') => call('POST', `/incentives/${incentive}/eligibility`, transport, body);

  beforeAll(async () => {
    platform = await startPlatform();
    const acting = await organisations(platform, { police: 'jinan-public-security', transport: 'jinan-transport' });
    transport = acting.transport;
    ({ identity: resident, personId, token: person } = await residentInScope(platform, acting.police, { birthDate: '1978-03-03', sequence: 303 }));
    for (let tries = 0; (await platform.db.pool.query(`SELECT 1 FROM scores WHERE person_id = $1`, [personId])).rowCount === 0; tries += 1) {
      if (tries > 300) throw new Error('the person was never scored');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    partnerKey = privateKey;
    partnerJwk = { ...(await exportJWK(publicKey)), kid: 'qd-2026', alg: 'ES256' };
    const level = { kind: 'level-at-least', scenario: 'base', level: 'A' };
    const incentive = (name: string, conditions: unknown[]) => ({ name, benefitKind: 'fast-track', benefit: name, conditions, validFrom: '2026-01-01', validUntil: null });
    await call('PUT', '/incentives/bus-fast-track', transport, incentive('Fast lane at bus service counters', [level]));
    await call('PUT', '/incentives/bike-deposit-free', transport, incentive('No bicycle deposit', [level, { kind: 'no-record-of-tier', tier: 'serious', withinMonths: 12 }]));
  });
  afterAll(() => platform?.stop());

  it("gives a person an attestation another city verifies offline with the published keys, bound to the person's number; tampered or expired, it fails", async () => {
    const issued = await call('POST', '/me/attestations', person);
    expect(issued).toMatchObject({ status: 201, body: { level: 'A', score: 1000, expiresAt: expect.any(String) } });
    const jwks = (await call('GET', '/.well-known/jwks.json')).body;
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: expect.any(String) });
    expect(jwks.keys[0].d).toBeUndefined();

    // What another city runs, with nothing but the key set and a JOSE library.
    const keys = createLocalJWKSet(jwks as { keys: JWK[] });
    const { payload, protectedHeader } = await jwtVerify(issued.body.attestation, keys, { issuer: 'jinan-integrity-score', typ: 'credit-attestation+jwt' });
    expect(protectedHeader.kid).toBe(jwks.keys[0].kid);
    expect(payload).toMatchObject({ scenario: 'base', level: 'A', score: 1000, on: today });
    expect(payload.id_digest).toBe(digest(payload.nonce as string, resident));
    expect(JSON.stringify(payload)).not.toContain(resident);

    const [header, body, signature] = (issued.body.attestation as string).split('.');
    const raised = Buffer.from(JSON.stringify({ ...payload, level: 'AAA' })).toString('base64url');
    await expect(jwtVerify(`${header}.${raised}.${signature}`, keys)).rejects.toThrow(/signature/);
    await expect(jwtVerify(`${header}.${body}.${signature}`, keys, { currentDate: new Date(Date.parse(issued.body.expiresAt) + 1000) })).rejects.toThrow(/exp/);

    const registered = await platform.db.pool.query(`SELECT legal_basis FROM query_log WHERE purpose = 'attestation of my score for another city'`);
    expect(registered.rows).toEqual([{ legal_basis: 'Art. 19' }]);
    const unverified = await platform.token('person', { person: personId, acr: 'password' });
    expect((await call('POST', '/me/attestations', unverified)).status).toBe(403);
  });

  it("recognises a partner city's attestation for an incentive, with its levels mapped onto ours; a stranger's, a tampered, an expired one or one about someone else is refused", async () => {
    const admin = await platform.token('admin');
    expect((await call('PUT', '/admin/partner-cities/qingdao', admin, { name: 'Qingdao', issuer: 'qingdao-credit-platform', jwks: { keys: [partnerJwk] }, levelMapping: { 优: 'AA', 良: 'A', 差: 'C' } })).status).toBe(200);
    const badMapping = await call('PUT', '/admin/partner-cities/qingdao', admin, { name: 'Qingdao', issuer: 'qingdao-credit-platform', jwks: { keys: [partnerJwk] }, levelMapping: { 优: 'S' } });
    expect(badMapping.body.error).toMatchObject({ field: 'body.levelMapping.优' });
    expect((await call('PUT', '/admin/partner-cities/qingdao', transport, { name: 'Qingdao', issuer: 'qingdao-credit-platform', jwks: { keys: [partnerJwk] }, levelMapping: { 优: 'AA' } })).status).toBe(403);

    expect((await ask({ identityNumber: visitor, attestation: await partnerAttestation({ level: '优' }) })).body).toMatchObject({ eligible: true, recognisedFrom: 'qingdao' });
    expect((await ask({ identityNumber: visitor, attestation: await partnerAttestation({ level: '差' }) })).body).toMatchObject({ eligible: false, recognisedFrom: 'qingdao' });

    const { privateKey: strangerKey } = await generateKeyPair('ES256');
    const refusals = [
      [await partnerAttestation({ level: '优' }, strangerKey, 'nowhere-platform'), 'unknown-issuer'],
      [await partnerAttestation({ level: '优' }, strangerKey), 'invalid-attestation'],
      [await partnerAttestation({ level: '优', expiresIn: '-1m' }), 'invalid-attestation'],
      [await partnerAttestation({ level: '优', about: resident }), 'invalid-attestation'],
      [await partnerAttestation({ level: 'S+' }), 'invalid-attestation'],
      ['not-a-token', 'invalid-attestation'],
    ] as const;
    for (const [attestation, code] of refusals) expect((await ask({ identityNumber: visitor, attestation })).body.error).toMatchObject({ code, field: 'body.attestation' });
    // An incentive that also asks about records cannot be answered from an attestation.
    expect((await ask({ identityNumber: visitor, attestation: await partnerAttestation({ level: '优' }) }, 'bike-deposit-free')).body.error).toMatchObject({ code: 'attestation-not-enough' });
  });
});
