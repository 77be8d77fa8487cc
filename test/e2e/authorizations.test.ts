import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';

describe('Art. 15 and Art. 18 authorizations and third-party queries', () => {
  let platform: RunningPlatform;
  let police: string;
  let bank: string;
  let employer: string;
  let ndrc: string;
  let person: string;
  let personId: string;
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);
  const grant = (body: Record<string, unknown>, token = person) => call('POST', '/me/authorizations', token, body);
  const query = (authorizationId: string, purpose: string, scenario: string, token = bank) =>
    call('GET', `/authorized-scores/${authorizationId}?purpose=${purpose}&scenario=${scenario}`, token);
  const register = async (outcome: 'granted' | 'refused') =>
    (
      await platform.db.pool.query<{ actor_agency: string; purpose: string; legal_basis: string }>(
        `SELECT actor_agency, purpose, legal_basis FROM query_log WHERE person_id = $1 AND actor_role = 'requester' AND outcome = $2 ORDER BY id`,
        [personId, outcome],
      )
    ).rows;

  /** A resident in scope, with a score, who signed the agreement (Art. 7). */
  async function resident(sequence: number, agree = true) {
    const { personId: id, token } = await residentInScope(platform, police, { birthDate: '1982-08-08', sequence, agree });
    for (let tries = 0; (await platform.db.pool.query(`SELECT 1 FROM scores WHERE person_id = $1 AND scenario = 'lending'`, [id])).rowCount === 0; tries += 1) {
      if (tries > 300) throw new Error('the person was never scored');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { id, token };
  }

  beforeAll(async () => {
    platform = await startPlatform();
    ({ police, bank, employer } = await organisations(platform, {
      police: 'jinan-public-security',
      bank: { id: 'jinan-rural-bank', subject: 'bank-officer-liu' },
      employer: 'qilu-employer',
    }));
    ndrc = await platform.token('ndrc', { subject: 'ndrc-catalogue-zhang' });
    expect((await call('PUT', '/purposes/lending/requesters/jinan-rural-bank', ndrc, { registered: true })).status).toBe(200);
    ({ id: personId, token: person } = await resident(151));
  });
  afterAll(() => platform?.stop());

  it('Art. 15 refuses a grant that is malformed, for an unknown requester, too long, or without the agreement, writing nothing', async () => {
    const lending = { requesterId: 'jinan-rural-bank', purpose: 'lending', scenario: 'lending', validUntil: inDays(30) };
    const refusals = [
      [{ ...lending, purpose: 'Lending!' }, 400, 'body.purpose', 'invalid-input'],
      [{ ...lending, scenario: 'base' }, 422, 'scenario', 'scenario-not-in-purpose'],
      // Art. 12: no purpose lets an employer or a landlord read a score.
      [{ ...lending, purpose: 'employment', scenario: 'base' }, 422, 'purpose', 'purpose-not-published'],
      [{ ...lending, purpose: 'tenancy', scenario: 'base' }, 422, 'purpose', 'purpose-not-published'],
      [{ ...lending, requesterId: 'qilu-employer' }, 422, 'requesterId', 'requester-not-registered'],
      [{ ...lending, validUntil: inDays(-1) }, 400, 'body.validUntil', 'invalid-input'],
      [{ ...lending, validUntil: inDays(400) }, 400, 'body.validUntil', 'invalid-input'],
      [{ ...lending, requesterId: 'jinan-public-security' }, 422, 'requesterId', 'unknown-requester'],
      [{ ...lending, requesterId: 'nobody' }, 422, 'requesterId', 'unknown-requester'],
    ] as const;
    for (const [body, status, field, code] of refusals) {
      const answer = await grant(body);
      expect({ status: answer.status, field: answer.body.error?.field, code: answer.body.error?.code }).toEqual({ status, field, code });
    }
    const unagreed = await resident(152, false);
    expect((await grant(lending, unagreed.token)).body.error).toMatchObject({ code: 'agreement-required' });
    expect((await grant(lending, bank)).status).toBe(403);
    expect((await platform.db.pool.query('SELECT count(*)::int AS n FROM authorizations')).rows[0].n).toBe(0);
  });

  it('Art. 18 answers a bank under a valid lending authorization with the lending score and level only, and registers it', async () => {
    const granted = await grant({ requesterId: 'jinan-rural-bank', purpose: 'lending', scenario: 'lending', validUntil: inDays(30) });
    expect(granted.status).toBe(201);
    const answer = await query(granted.body.authorizationId, 'lending', 'lending');
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body).sort()).toEqual(['authorizationId', 'computedAt', 'level', 'purpose', 'scenario', 'score']);
    expect(answer.body).toMatchObject({ purpose: 'lending', scenario: 'lending', score: 1000, level: 'A' });
    expect(await register('granted')).toEqual([{ actor_agency: 'jinan-rural-bank', purpose: 'lending (lending)', legal_basis: `Art. 15, 18; authorization ${granted.body.authorizationId}` }]);
    expect((await call('GET', '/me/authorizations', person)).body.authorizations.map((a: JsonAnswer['body']) => `${a.requesterId}:${a.purpose}:${a.state}`)).toEqual([
      'jinan-rural-bank:lending:active',
    ]);
  });

  it('Art. 12, 15, 18 the purposes are data NDRC publishes and versions: lending alone by default, what a version discloses is what a query answers, a withdrawn purpose or a registration ended answers nothing', async () => {
    const catalogue = (await call('GET', '/purposes')).body.purposes as JsonAnswer['body'][];
    expect(catalogue.map(({ code, legalBasis, scenarios, discloses }) => ({ code, legalBasis, scenarios, discloses }))).toEqual([
      { code: 'lending', legalBasis: 'Art. 15, 18', scenarios: ['lending'], discloses: ['score', 'level'] },
    ]);
    expect(catalogue[0]!.requesters).toContain('jinan-rural-bank');
    const granted = await grant({ requesterId: 'jinan-rural-bank', purpose: 'lending', scenario: 'lending', validUntil: inDays(30) });
    const id = granted.body.authorizationId as string;
    const lending = { legalBasis: 'Art. 15, 18', description: 'Credit decisions of the pilot commercial banks: the level only', scenarios: ['lending'], discloses: ['level'] };

    const refusals = [
      [{ ...lending, discloses: ['records'] }, 400, 'body.discloses.0'],
      [{ ...lending, discloses: ['level', 'level'] }, 400, 'body.discloses'],
      [{ ...lending, scenarios: ['gambling'] }, 422, 'scenarios'],
    ] as const;
    for (const [body, status, field] of refusals) {
      const answer = await call('PUT', '/purposes/lending', ndrc, body);
      expect({ status: answer.status, field: answer.body.error?.field }).toEqual({ status, field });
    }
    expect((await call('PUT', '/purposes/lending', bank, lending)).status).toBe(403);
    const narrowed = await call('PUT', '/purposes/lending', ndrc, lending);
    expect(narrowed.body).toMatchObject({ code: 'lending', version: 2 });
    await expect.poll(async () => Object.keys((await query(id, 'lending', 'lending')).body).sort(), { timeout: 10_000 }).toEqual(['authorizationId', 'computedAt', 'level', 'purpose', 'scenario']);

    expect((await call('PUT', '/purposes/lending/requesters/jinan-rural-bank', ndrc, { registered: false })).body).toMatchObject({ code: 'lending', requesterId: 'jinan-rural-bank', registered: false });
    await expect.poll(async () => (await query(id, 'lending', 'lending')).body.error?.code, { timeout: 10_000 }).toBe('requester-not-registered');
    expect((await call('PUT', '/purposes/lending/requesters/jinan-rural-bank', ndrc, { registered: true })).status).toBe(200);
    expect((await call('PUT', '/purposes/lending', ndrc, { ...lending, inForce: false })).body.version).toBe(3);
    await expect.poll(async () => (await query(id, 'lending', 'lending')).body.error?.code, { timeout: 10_000 }).toBe('purpose-withdrawn');
    expect((await call('GET', '/purposes')).body.purposes).toEqual([]);

    // Published again as it was, for the tests after this one.
    const restored = { ...lending, description: 'Credit decisions of the pilot commercial banks: the lending score and level', discloses: ['score', 'level'] };
    expect((await call('PUT', '/purposes/lending', ndrc, restored)).body.version).toBe(4);
    await expect.poll(async () => (await query(id, 'lending', 'lending')).body.score, { timeout: 10_000 }).toBe(1000);
  });

  it("Art. 15 refuses, and registers, a query without an authorization, under another requester's, for another purpose or another scenario", async () => {
    const granted = await grant({ requesterId: 'jinan-rural-bank', purpose: 'lending', scenario: 'lending', validUntil: inDays(30) });
    const id = granted.body.authorizationId;
    const before = (await register('refused')).length;
    expect((await query(randomUUID(), 'lending', 'lending')).status).toBe(404);
    expect((await query(id, 'lending', 'lending', employer)).status).toBe(404);
    expect((await query(id, 'employment', 'lending')).body.error).toMatchObject({ code: 'purpose-not-authorized', field: 'querystring.purpose' });
    expect((await query(id, 'lending', 'base')).body.error).toMatchObject({ code: 'scenario-not-authorized', field: 'querystring.scenario' });
    expect((await query(id, 'lending', 'lending', person)).status).toBe(403);
    const refused = (await register('refused')).slice(before);
    expect(refused.map((row) => row.actor_agency)).toEqual(['qilu-employer', 'jinan-rural-bank', 'jinan-rural-bank']);
  });

  it('Art. 15 an authorization ends by itself at its time, or at once when revoked; Art. 7 a revoked agreement stops every query', async () => {
    const brief = await grant({ requesterId: 'jinan-rural-bank', purpose: 'lending', scenario: 'lending', validUntil: new Date(Date.now() + 3000).toISOString() });
    expect((await query(brief.body.authorizationId, 'lending', 'lending')).status).toBe(200);
    await expect.poll(async () => (await query(brief.body.authorizationId, 'lending', 'lending')).body.error?.code, { timeout: 10_000, interval: 250 }).toBe('authorization-ended');
    // The workflow ends it by itself, and the person is told.
    await expect
      .poll(async () => (await platform.db.pool.query('SELECT state FROM authorizations WHERE id = $1', [brief.body.authorizationId])).rows[0].state, { timeout: 10_000 })
      .toBe('expired');

    const revocable = await grant({ requesterId: 'jinan-rural-bank', purpose: 'lending', scenario: 'lending', validUntil: inDays(30) });
    expect((await call('POST', `/me/authorizations/${revocable.body.authorizationId}/revocation`, person)).body).toEqual({ state: 'revoked' });
    expect((await query(revocable.body.authorizationId, 'lending', 'lending')).body.error).toMatchObject({ code: 'authorization-ended', message: expect.stringContaining('revoked') });
    expect((await call('POST', `/me/authorizations/${revocable.body.authorizationId}/revocation`, person)).status).toBe(409);
    const kinds = await platform.db.pool.query(`SELECT kind FROM notifications WHERE recipient_id = $1 AND kind IN ('authorization-expired', 'authorization-revoked') ORDER BY kind`, [personId]);
    expect(kinds.rows.map((row) => row.kind)).toEqual(['authorization-expired', 'authorization-revoked']);

    const standing = await grant({ requesterId: 'jinan-rural-bank', purpose: 'lending', scenario: 'lending', validUntil: inDays(30) });
    expect((await call('POST', '/me/agreement/revocation', person, { channel: 'app' })).status).toBe(200);
    expect((await query(standing.body.authorizationId, 'lending', 'lending')).body.error).toMatchObject({ code: 'agreement-required' });
  });
});
