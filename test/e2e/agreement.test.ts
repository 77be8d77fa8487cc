import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';

describe('Art. 7 the collection-and-use agreement, signed by real name, before any score is shown', () => {
  let platform: RunningPlatform;
  let police: string;
  let person: string;
  let personId: string;

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);
  const refusedReads = async () =>
    (await platform.db.pool.query<{ purpose: string }>(`SELECT purpose FROM query_log WHERE person_id = $1 AND outcome = 'refused' ORDER BY id`, [personId])).rows.map((row) => row.purpose);
  const storedScore = async () => (await platform.db.pool.query<{ score: number }>(`SELECT score FROM scores WHERE person_id = $1 AND scenario = 'base'`, [personId])).rows[0]?.score;

  beforeAll(async () => {
    platform = await startPlatform();
    ({ police } = await organisations(platform, { police: 'jinan-public-security' }));
    ({ personId, token: person } = await residentInScope(platform, police, { birthDate: '1983-07-07', sequence: 747, agree: false }));
  });
  afterAll(() => platform?.stop());

  it('shows no score without an agreement, the person included, while scoring goes on; the refusal is registered and says how to sign', async () => {
    // The city scores the person all the same (it is its evaluation): nothing of it is shown.
    await expect.poll(storedScore, { timeout: 15_000 }).toBe(1000);
    const refused = await call('GET', '/me/score', person);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'agreement-required', field: 'agreement', message: expect.stringContaining('POST /me/agreement') } } });
    expect(refused.body.scores).toBeUndefined();
    expect(await refusedReads()).toEqual(['own score: no agreement in force']);
    expect((await call('GET', '/me/agreement', person)).body).toEqual({ inForce: null, needsNewSignature: false, agreements: [] });
  });

  it('needs real-name authentication to sign and to read, and the text in force', async () => {
    const text = await call('GET', '/agreement-text');
    expect(text.body).toMatchObject({ version: '2026-12', text: expect.stringContaining('诚信积分') });
    const unverified = await platform.token('person', { person: personId, acr: 'password' });
    expect((await call('POST', '/me/agreement', unverified, { textVersion: '2026-12', channel: 'app' })).body.error).toMatchObject({ code: 'real-name-required' });
    expect((await call('POST', '/me/agreement', person, { textVersion: '2025-01', channel: 'app' })).body.error).toMatchObject({
      code: 'agreement-text-outdated',
      field: 'textVersion',
      message: expect.stringContaining('2026-12'),
    });
    expect((await call('POST', '/me/agreement', person, { textVersion: '2026-12', channel: 'fax' })).body.error).toMatchObject({ code: 'invalid-input', field: 'body.channel' });
    expect((await call('POST', '/me/agreement', police, { textVersion: '2026-12', channel: 'app' })).status).toBe(403);
    expect((await platform.db.pool.query('SELECT count(*)::int AS n FROM agreements')).rows[0].n).toBe(0);

    const signed = await call('POST', '/me/agreement', person, { textVersion: '2026-12', channel: 'app' });
    expect(signed).toMatchObject({ status: 201, body: { agreementId: expect.any(String), textVersion: '2026-12', signedAt: expect.any(String) } });
    expect((await call('POST', '/me/agreement', person, { textVersion: '2026-12', channel: 'web' })).body.error).toMatchObject({
      code: 'agreement-in-force',
      message: expect.stringContaining(signed.body.agreementId),
    });
    expect(await call('GET', '/me/score', person)).toMatchObject({ status: 200, body: { scores: expect.arrayContaining([expect.objectContaining({ scenario: 'base', score: 1000 })]) } });
    // The same person, not authenticated by real name, reads nothing.
    expect((await call('GET', '/me/score', unverified)).body.error).toMatchObject({ code: 'real-name-required' });
  });

  it('refuses from the moment of revocation; a new signature opens it again, and the history keeps both', async () => {
    const revoked = await call('POST', '/me/agreement/revocation', person, { channel: 'service-counter' });
    expect(revoked).toMatchObject({ status: 200, body: { revokedAt: expect.any(String) } });
    expect((await call('GET', '/me/score', person)).body.error).toMatchObject({ code: 'agreement-required' });
    expect((await call('POST', '/me/agreement/revocation', person, { channel: 'app' })).status).toBe(404);
    const notice = await platform.db.pool.query(`SELECT kind FROM notifications WHERE recipient_id = $1 AND kind LIKE 'agreement-%' ORDER BY created_at`, [personId]);
    expect(notice.rows.map((row) => row.kind)).toEqual(['agreement-signed', 'agreement-revoked']);

    expect((await call('POST', '/me/agreement', person, { textVersion: '2026-12', channel: 'web' })).status).toBe(201);
    expect((await call('GET', '/me/score', person)).status).toBe(200);
    const agreements = (await call('GET', '/me/agreement', person)).body;
    expect(agreements.agreements.map((a: JsonAnswer['body']) => `${a.channel}:${a.revokedAt === null ? 'in force' : `revoked at the ${a.revocationChannel}`}`)).toEqual([
      'web:in force',
      'app:revoked at the service-counter',
    ]);
    expect(agreements.inForce).toMatchObject({ channel: 'web', revokedAt: null });
  });

  it('refuses a score this API keeps in memory once a revocation is committed by another writer (another API instance, an operator)', async () => {
    expect((await call('GET', '/me/score', person)).status).toBe(200);
    expect((await call('GET', '/me/score', person)).status).toBe(200);
    await platform.db.pool.query(
      `UPDATE agreements SET revoked_at = now(), revoked_by = 'operator', revocation_channel = 'service-counter' WHERE person_id = $1 AND revoked_at IS NULL`,
      [personId],
    );
    // Postgres's notification of the commit drops the kept view: the next reads are refused.
    await expect.poll(async () => (await call('GET', '/me/score', person)).status, { timeout: 1_000, interval: 5 }).toBe(403);
  });

  it('a new version that needs new consent stops every earlier agreement until the person signs it; a correction that needs none leaves them in force', async () => {
    const ndrc = await platform.token('ndrc', { subject: 'ndrc-legal-office' });
    const current = (await call('GET', '/agreement-text')).body.version as string;
    if (!(await call('GET', '/me/agreement', person)).body.inForce) expect((await call('POST', '/me/agreement', person, { textVersion: current, channel: 'app' })).status).toBe(201);
    expect((await call('GET', '/me/score', person)).status).toBe(200);

    const text = '济南市个人诚信积分信息采集和使用协议（2027年版）：本人同意平台依据《济南市个人诚信积分管理办法》采集、归集本人的信用信息，用于计算诚信积分和守信激励服务。';
    expect((await call('POST', '/agreement-texts', person, { version: '2027-01', text })).status).toBe(403);
    const published = await call('POST', '/agreement-texts', ndrc, { version: '2027-01', text });
    expect(published).toMatchObject({ status: 201, body: { version: '2027-01', requiresNewConsent: true, retired: current } });
    expect((await call('POST', '/agreement-texts', ndrc, { version: '2027-01', text })).body).toEqual(published.body);
    expect((await call('POST', '/agreement-texts', ndrc, { version: '2027-01', text: `${text}（另一文本）` })).body.error).toMatchObject({ code: 'agreement-version-taken', field: 'version' });

    // From now no score of the person's is shown until they sign the new version.
    expect((await call('GET', '/me/score', person)).body.error).toMatchObject({ code: 'agreement-required' });
    expect((await call('GET', '/me/agreement', person)).body).toMatchObject({ inForce: null, needsNewSignature: true });
    expect((await call('POST', '/me/agreement', person, { textVersion: current, channel: 'app' })).body.error).toMatchObject({ code: 'agreement-text-outdated' });
    const signed = await call('POST', '/me/agreement', person, { textVersion: '2027-01', channel: 'app' });
    expect(signed.status).toBe(201);
    expect((await call('GET', '/me/score', person)).status).toBe(200);
    const mine = (await call('GET', '/me/agreement', person)).body;
    expect(mine).toMatchObject({ inForce: { agreementId: signed.body.agreementId, textVersion: '2027-01' }, needsNewSignature: false });
    // The signature it replaced stays in the history, ended when the new one was signed.
    expect(mine.agreements.filter((a: JsonAnswer['body']) => a.textVersion === current && a.revokedAt === signed.body.signedAt)).toHaveLength(1);

    // A correction that changes nothing the person agreed to leaves their agreement in force.
    const corrected = await call('POST', '/agreement-texts', ndrc, { version: '2027-01a', text: `${text}（更正标点）`, requiresNewConsent: false });
    expect(corrected).toMatchObject({ status: 201, body: { requiresNewConsent: false, retired: '2027-01' } });
    expect((await call('GET', '/me/score', person)).status).toBe(200);
    expect((await call('GET', '/agreement-text')).body).toMatchObject({ version: '2027-01a', requiresNewConsent: false });
  });
});
