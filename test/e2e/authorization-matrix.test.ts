import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, ROLES_WITH_AGENCY, type Role } from '../../src/domain/roles';
import { shanghaiDayOf } from '../../src/domain/working-days';
import { identityNumber } from '../support/identities';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';

const PUBLIC = 'public';
const ANY = ROLES;

/** Who may call each operation. A new operation fails the first test until it is listed here. */
const MATRIX: Record<string, readonly Role[] | typeof PUBLIC> = {
  'GET /health': PUBLIC,
  'GET /record-types': PUBLIC,
  'GET /agreement-text': PUBLIC,
  'POST /agreement-texts': ['ndrc'],
  'GET /.well-known/jwks.json': PUBLIC,
  'POST /codec/session': PUBLIC,
  'PUT /admin/agencies/{id}': ['admin'],
  'PUT /admin/partner-cities/{partnerId}': ['admin'],
  'POST /admin/calendar/years/{year}': ['admin'],
  'POST /admin/calendar/corrections': ['admin'],
  'GET /admin/calendar/changes/{changeId}': ['admin', 'supervisor'],
  'GET /calendar/years/{year}': ANY,
  'GET /me/agreement': ['person'],
  'POST /me/agreement': ['person'],
  'POST /me/agreement/revocation': ['person'],
  'POST /me/attestations': ['person'],
  'POST /me/authorizations': ['person'],
  'GET /me/authorizations': ['person'],
  'POST /me/authorizations/{authorizationId}/revocation': ['person'],
  'GET /authorized-scores/{authorizationId}': ['requester'],
  'GET /purposes': PUBLIC,
  'PUT /purposes/{code}': ['ndrc'],
  'PUT /purposes/{code}/requesters/{requesterId}': ['ndrc'],
  'POST /records/bulk': ['agency', 'provider'],
  'GET /records/batches/{batchId}': ['agency', 'provider'],
  'POST /civic-events': ['civic-db'],
  'POST /codec/encode': ['supervisor'],
  'POST /codec/decode': ['supervisor'],
  'PUT /declaration-routes/{typeCode}': ['ndrc'],
  'GET /declaration-routes': ANY,
  'POST /declarations': ['person'],
  'GET /declarations': ['person'],
  'GET /declarations/{declarationId}': ['person', 'agency', 'ndrc', 'supervisor'],
  'POST /declarations/{declarationId}/withdrawal': ['person'],
  'GET /incentives': ANY,
  'PUT /incentives/{incentiveId}': ['agency'],
  'POST /incentives/{incentiveId}/eligibility': ['agency'],
  'POST /objections': ['person', 'ndrc'],
  'GET /objections/{objectionId}': ['person', 'ndrc', 'supervisor'],
  'POST /objections/{objectionId}/withdrawal': ['person'],
  'GET /me/personal-data': ['person'],
  'GET /reports/sla': ['supervisor', 'ndrc'],
  'GET /supervision/troubles': ['supervisor', 'ndrc'],
  'GET /agencies': ['admin', 'ndrc', 'supervisor', 'institution', 'agency', 'provider'],
  'GET /reports/sla.csv': ['supervisor', 'ndrc'],
  'POST /obligations': ['agency'],
  'GET /obligations': ['agency'],
  'GET /obligations/{reference}': ['agency'],
  'POST /obligations/{reference}/withdrawal': ['agency'],
  'POST /records': ['agency', 'provider'],
  'GET /records/{reference}': ['agency', 'provider'],
  'POST /records/{reference}/correction': ['agency', 'provider'],
  'POST /records/{reference}/revocation': ['agency', 'provider'],
  'GET /me/records': ['person'],
  'GET /register': ['supervisor'],
  'GET /me/register': ['person'],
  'GET /repair-rules': ANY,
  'POST /repair-rules': ['ndrc'],
  'GET /repairs/eligibility': ['person'],
  'POST /repairs': ['person'],
  'GET /repairs': ['person'],
  'GET /repairs/{repairId}': ['person', 'agency', 'ndrc', 'supervisor'],
  'POST /repairs/{repairId}/withdrawal': ['person'],
  'POST /repairs/{repairId}/performance': ['person'],
  'POST /repairs/{repairId}/supplement': ['person'],
  'GET /me/score': ['person'],
  'GET /models': ['institution', 'ndrc', 'supervisor'],
  'POST /models': ['institution'],
  'POST /models/{id}/transitions': ['institution', 'ndrc'],
  'GET /models/public-comment': PUBLIC,
  'POST /models/{id}/comments': ANY,
  'GET /models/{id}/comments': ['ndrc'],
  'GET /models/{id}/comments.csv': ['ndrc'],
  'GET /rescoring/runs': ['institution', 'supervisor'],
  'POST /rescoring/schedule/{action}': ['institution'],
  'GET /tasks': ['ndrc', 'agency', 'provider', 'supervisor'],
  'POST /tasks/{taskId}/claim': ['ndrc', 'agency', 'provider'],
  'POST /tasks/{taskId}/release': ['ndrc', 'agency', 'provider', 'supervisor'],
  'POST /tasks/{taskId}/reminder': ['supervisor'],
  'POST /tasks/{taskId}/completion': ['ndrc', 'agency', 'provider'],
  'GET /tasks/{taskId}/history': ['ndrc', 'agency', 'provider', 'supervisor'],
  'GET /tasks/{taskId}/case': ['ndrc', 'agency', 'provider', 'supervisor'],
};

/** A path with its parameters filled in a form each accepts. */
function concrete(path: string): string {
  return path
    .replace('{year}', '2026')
    .replace('{action}', 'pause')
    .replace(/\{(reference|id|partnerId|incentiveId)\}/, 'matrix-1')
    .replace(/\{[A-Za-z]+\}/g, () => randomUUID());
}

describe('Art. 22 who may call what: every operation of the API × every role', () => {
  let platform: RunningPlatform;
  const tokens = new Map<Role, string>();

  beforeAll(async () => {
    platform = await startPlatform();
    for (const role of ROLES) tokens.set(role, await platform.token(role, ROLES_WITH_AGENCY.includes(role) ? { agency: 'matrix-org' } : role === 'person' ? { person: randomUUID() } : {}));
  });
  afterAll(() => platform?.stop());

  it('lists every operation the OpenAPI document describes', async () => {
    const document = (await platform.call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/docs/json')).body;
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(Object.keys(MATRIX).sort());
  });

  it('refuses every role the operation does not name before reading its input, and lets the ones it names past the role check', async () => {
    const wrong: string[] = [];
    for (const [operation, allowed] of Object.entries(MATRIX)) {
      const [method, path] = operation.split(' ') as [string, string];
      const withBody = method === 'POST' || method === 'PUT';
      for (const role of [...ROLES, undefined]) {
        const answer = await platform.call<JsonAnswer['body']>(method, concrete(path), role && tokens.get(role), withBody ? {} : undefined);
        const roleRefusal = answer.status === 403 && /needs the role/.test(String(answer.body.error?.message));
        const expected =
          allowed === PUBLIC ? answer.status < 500 && answer.status !== 401 && !roleRefusal
          : role === undefined ? answer.status === 401
          : allowed.includes(role) ? answer.status < 500 && !roleRefusal
          : roleRefusal;
        if (!expected) wrong.push(`${operation} as ${role ?? 'nobody'}: ${answer.status} ${answer.body.error?.code ?? ''}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("keeps each party to its own: another person's objection, another agency's obligation and record, a requester without an authorization", async () => {
    const { police, market, tax, bank } = await organisations(platform, { police: 'matrix-police', market: 'matrix-market', tax: 'matrix-tax', bank: 'matrix-bank' });
    const today = shanghaiDayOf(new Date());
    const owner = identityNumber('1971-01-01', 111);
    const hukou = await platform.call<JsonAnswer['body']>('POST', '/records', police, { reference: 'MX-HUKOU', identityNumber: owner, category: 'identity', typeCode: 'household-registration', formedOn: today });
    const ownerId = (await platform.db.pool.query('SELECT person_id FROM records WHERE id = $1', [hukou.body.recordId])).rows[0].person_id;
    const ownerToken = await platform.token('person', { person: ownerId });
    const objection = await platform.call<JsonAnswer['body']>('POST', '/objections', ownerToken, { target: 'score', reason: 'matrix check', evidence: [] });
    expect(objection.status).toBe(202);
    await platform.call('POST', '/obligations', market, { reference: 'MX-OB-1', formedOn: today });

    const stranger = await platform.token('person', { person: randomUUID() });
    expect((await platform.call('GET', `/objections/${objection.body.objectionId}`, stranger)).status).toBe(404);
    expect((await platform.call('GET', '/obligations/MX-OB-1', tax)).status).toBe(404);
    expect((await platform.call('GET', '/obligations/MX-OB-1', market)).status).toBe(200);
    expect((await platform.call('GET', '/records/MX-HUKOU', market)).status).toBe(404);
    expect((await platform.call('GET', '/records/MX-HUKOU', police)).status).toBe(200);
    expect((await platform.call('GET', `/authorized-scores/${randomUUID()}?purpose=lending&scenario=lending`, bank)).status).toBe(404);
    const refused = await platform.db.pool.query(`SELECT count(*)::int AS n FROM query_log WHERE outcome = 'refused' AND person_id = $1`, [ownerId]);
    expect(refused.rows[0].n).toBeGreaterThanOrEqual(2);
  });
});
