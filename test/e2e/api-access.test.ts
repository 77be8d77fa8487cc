import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { startPlatform, type RunningPlatform } from '../support/platform';

describe('API access: health, OpenAPI docs, authentication and the codec endpoint', () => {
  let platform: RunningPlatform;

  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(() => platform?.stop());

  it('reports Postgres and Temporal up on /health', async () => {
    const response = await fetch(`${platform.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', postgres: 'up', temporal: 'up' });
  });

  it('refuses input holding a NUL character, which Postgres cannot store, naming where it is, and writes nothing', async () => {
    const admin = await platform.token('admin');
    const refused = await platform.call<{ error: { code: string; field: string; message: string } }>('PUT', '/admin/agencies/nul-agency', admin, {
      name: 'Jinan\u0000agency',
      kind: 'agency',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toEqual({ code: 'invalid-input', field: 'body.name', message: 'body.name: must not contain the NUL character (U+0000)' });
    expect((await platform.db.pool.query(`SELECT 1 FROM agencies WHERE id = 'nul-agency'`)).rowCount).toBe(0);
    const taken = await platform.call('PUT', '/admin/agencies/nul-agency', admin, { name: 'Jinan agency', kind: 'agency' });
    expect(taken.status).toBe(200);
  });

  it('serves the OpenAPI description and its documentation page', async () => {
    const spec = (await (await fetch(`${platform.url}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/health', '/admin/calendar/years/{year}', '/codec/decode']));
    expect((await fetch(`${platform.url}/docs`)).status).toBe(200);
  });

  it('answers 401 with a JSON error for a missing, forged or expired token', async () => {
    const missing = await fetch(`${platform.url}/calendar/years/2026`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: { code: 'unauthenticated', message: 'A bearer token is required' } });

    const forged = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').sign(new Uint8Array(32));
    const forgedResponse = await fetch(`${platform.url}/calendar/years/2026`, { headers: { authorization: `Bearer ${forged}` } });
    expect(forgedResponse.status).toBe(401);
    expect(((await forgedResponse.json()) as { error: { code: string } }).error.code).toBe('invalid-token');
  });

  it('refuses an agency token that names no agency', async () => {
    const token = await platform.token('agency');
    const response = await fetch(`${platform.url}/calendar/years/2026`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid-token', field: 'agency' } });
  });

  it('decodes payloads for supervisors only, by bearer token or by a Web UI session cookie', async () => {
    const encoded = await fetch(`${platform.url}/codec/encode`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await platform.token('supervisor')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"11010519491231002X"').toString('base64') }] }),
    });
    expect(encoded.status).toBe(200);
    const sealed = (await encoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(sealed.payloads[0]!.data, 'base64').includes('11010519491231002X')).toBe(false);

    const asAdmin = await fetch(`${platform.url}/codec/decode`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await platform.token('admin')}`, 'content-type': 'application/json' },
      body: JSON.stringify(sealed),
    });
    expect(asAdmin.status).toBe(403);

    const session = await fetch(`${platform.url}/codec/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: await platform.token('supervisor') }),
    });
    expect(session.status).toBe(200);
    const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
    const decoded = await fetch(`${platform.url}/codec/decode`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', origin: 'http://localhost:8233' },
      body: JSON.stringify(sealed),
    });
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-credentials')).toBe('true');
    const plain = (await decoded.json()) as { payloads: { data: string }[] };
    expect(Buffer.from(plain.payloads[0]!.data, 'base64').toString()).toBe('"11010519491231002X"');
    // Art. 22: whose data a payload holds is unknown, so what was read is registered in its place.
    const registered = await platform.db.pool.query(`SELECT actor_role, person_id, subject, legal_basis FROM query_log WHERE subject LIKE 'codec/%'`);
    expect(registered.rows).toEqual([{ actor_role: 'supervisor', person_id: null, subject: 'codec/decode: 1 payload', legal_basis: 'Art. 22 supervision' }]);
  });
});
