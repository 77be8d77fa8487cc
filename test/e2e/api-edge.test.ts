import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDayOf } from '../../src/domain/working-days';
import { calendarChangeWorkflowType, type CalendarChangeWorkflow } from '../../src/workflows/calendar/contract';
import { identityNumber } from '../support/identities';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';
import { penaltySubmission } from '../support/records';

describe('The API edge: every refusal a 4xx with its field and reason, nothing written, and nothing accepted that cannot finish', () => {
  let platform: RunningPlatform;
  let market: string;
  let police: string;
  let ndrc: string;
  let admin: string;
  const today = shanghaiDayOf(new Date());

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);
  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    (await platform.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params)).rows[0]!.n;

  const penalty = (reference: string, details?: Record<string, unknown>) => penaltySubmission(reference, identityNumber('1981-01-21', 121), today, details);

  beforeAll(async () => {
    platform = await startPlatform();
    admin = await platform.token('admin');
    ({ market, police } = await organisations(platform, { market: 'jinan-market-regulation', police: 'jinan-public-security' }));
    ndrc = await platform.token('ndrc');
  });
  afterAll(() => platform?.stop());

  /** A person the platform knows, in scope; references of this file's own, as attestations.test.ts shares HUKOU-303 for the same police. */
  const resident = (birthDate: string, sequence: number) =>
    residentInScope(platform, police, { birthDate, sequence, references: { hukou: `household-registration-${sequence}`, capacity: `civil-capacity-${sequence}` }, agree: false });

  it('refuses an unknown field of a body, naming it, and starts nothing', async () => {
    const refused = await call('POST', '/obligations', market, { reference: 'EDGE-1', formedOn: today, formedOnn: today });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'invalid-input', field: 'body.formedOnn' } } });
    expect(await count('obligations', 'reference = $1', ['EDGE-1'])).toBe(0);
    expect((await call('GET', '/obligations/EDGE-1', market)).status).toBe(404);
  });

  it('Art. 9 refuses a misspelt exclusion flag in the details of an administrative penalty, naming it, and stores nothing', async () => {
    const persons = await count('persons');
    const refused = await call('POST', '/records', market, penalty('EDGE-FLAG', { procedure: 'general', minorPromtlyRemedied: true }));
    expect(refused).toMatchObject({ status: 400, body: { error: { field: 'body.details.minorPromtlyRemedied' } } });
    expect(refused.body.error.message).toContain('is not a detail of administrative-penalty');
    expect(await count('records', 'reference = $1', ['EDGE-FLAG'])).toBe(0);
    expect(await count('obligations', 'reference = $1', ['EDGE-FLAG'])).toBe(0);
    expect(await count('persons')).toBe(persons);
    const required = await call('POST', '/records', market, penalty('EDGE-FLAG', { amountYuan: 200 }));
    expect(required).toMatchObject({ status: 400, body: { error: { field: 'body.details.procedure' } } });
  });

  it('refuses an unknown query parameter, and the NUL character in a query or path parameter', async () => {
    expect(await call('GET', '/obligations?stat=open', market)).toMatchObject({ status: 400, body: { error: { field: 'querystring.stat' } } });
    expect(await call('GET', '/tasks?process=a%00b', ndrc)).toMatchObject({ status: 400, body: { error: { code: 'invalid-input', field: 'querystring.process' } } });
    expect(await call('GET', '/records/MR%001', market)).toMatchObject({ status: 400, body: { error: { field: 'params.reference' } } });
  });

  it('refuses a time Postgres cannot store, naming it', async () => {
    for (const dueBefore of ['2026-12-01T00:00:00%2B16:00', '0001-01-01T00:00:00Z', 'tomorrow']) {
      expect(await call('GET', `/tasks?dueBefore=${dueBefore}`, ndrc)).toMatchObject({ status: 400, body: { error: { field: 'querystring.dueBefore' } } });
    }
    expect((await call('GET', `/tasks?dueBefore=2026-12-01T00:00:00%2B15:00`, ndrc)).status).toBe(200);
  });

  it('refuses a body nested thousands of levels deep: without a token before its input is looked at, with one as too deep', async () => {
    // Written as text: the test's own JSON.stringify would not go this deep.
    const body = `{"reference": "EDGE-DEEP", "formedOn": "${today}", "extra": ${'{"a": '.repeat(5_000)}1${'}'.repeat(5_000)}}`;
    const post = (token?: string) =>
      fetch(`${platform.url}/obligations`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
    const anonymous = await post();
    expect(anonymous.status).toBe(401);
    const refused = await post(market);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'too-deep', field: expect.stringMatching(/^body\.extra\.a\.a/) } });
    expect(await count('obligations', 'reference = $1', ['EDGE-DEEP'])).toBe(0);
  });

  it('refuses a body over the size limit with 413 too-large, and records nothing', async () => {
    // Two mebibytes of one string: over the JSON body limit of every route but the bulk intake's.
    const body = JSON.stringify({ ...penalty('EDGE-HUGE'), details: { procedure: 'general', note: 'x'.repeat(2 * 2 ** 20) } });
    const refused = await fetch(`${platform.url}/records`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${market}` }, body });
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ error: { code: 'too-large', field: 'body' } });
    expect(await count('records', 'reference = $1', ['EDGE-HUGE'])).toBe(0);
  });

  it('Art. 10 refuses a formation day the working-day calendar cannot count, before any clock starts', async () => {
    const announced = await call('POST', '/obligations', market, { reference: 'EDGE-0099', formedOn: '0099-06-01' });
    expect(announced).toMatchObject({ status: 400, body: { error: { field: 'body.formedOn' } } });
    const shared = await call('POST', '/records', market, { ...penalty('EDGE-0099'), formedOn: '0099-06-01' });
    expect(shared).toMatchObject({ status: 400, body: { error: { field: 'body.formedOn' } } });
    expect(await count('obligations', 'reference = $1', ['EDGE-0099'])).toBe(0);
    expect(await count('sla_stages', 'start_day < $1', ['1900-01-01'])).toBe(0);
  });

  it('Art. 20 answers a paper objection naming a person the platform does not know with a 404, and records nothing', async () => {
    const refused = await call('POST', '/objections', ndrc, { target: 'score', personId: randomUUID(), reason: 'received on paper', receivedOn: today });
    expect(refused).toMatchObject({ status: 404, body: { error: { code: 'not-found', field: 'personId' } } });
    expect(await count('objections')).toBe(0);
    expect(await count('sla_stages', "process = 'objection'")).toBe(0);
  });

  it('refuses at once to load a year that the package lacks without its notice, and says why a calendar change failed', async () => {
    expect(await call('POST', '/admin/calendar/years/2030', admin, {})).toMatchObject({ status: 400, body: { error: { code: 'calendar-year-unavailable', field: 'body.holidays' } } });
    expect(await count('calendar_years', 'year = 2030')).toBe(0);

    // A change started past the edge (as an operator might with the CLI) fails in its activity, and the API says why.
    await platform.client.workflow.start<CalendarChangeWorkflow>(calendarChangeWorkflowType, {
      taskQueue: platform.processEnv.TEMPORAL_TASK_QUEUE!,
      workflowId: 'calendar/2031-load-by-hand',
      args: [{ kind: 'load-year', year: 2031, requestedBy: 'operator' }],
    });
    await expect.poll(async () => (await call('GET', '/admin/calendar/changes/2031-load-by-hand', admin)).body.status, { timeout: 15_000 }).toBe('FAILED');
    const change = await call('GET', '/admin/calendar/changes/2031-load-by-hand', admin);
    expect(change.body.failure).toContain('has no notice for 2031');
  });

  it('Art. 10 answers the same reference shared again: the same content is a duplicate, other content a 409 naming the record shared before', async () => {
    const first = await call('POST', '/records', market, penalty('EDGE-DUP'));
    expect(first.status).toBe(201);
    expect(await call('POST', '/records', market, penalty('EDGE-DUP'))).toMatchObject({ status: 200, body: { status: 'duplicate', recordId: first.body.recordId } });
    const conflict = await call('POST', '/records', market, penalty('EDGE-DUP', { procedure: 'general', amountYuan: 900 }));
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: 'reference-conflict', field: 'body.reference' } } });
    expect(conflict.body.error.message).toContain(first.body.recordId);
    expect(await count('records', 'reference = $1', ['EDGE-DUP'])).toBe(1);
    expect((await platform.db.pool.query('SELECT details FROM records WHERE reference = $1', ['EDGE-DUP'])).rows[0].details).toEqual({ procedure: 'general' });
  });

  it('Art. 3 tells a person out of scope which condition is missing', async () => {
    const identity = identityNumber('1990-09-09', 909);
    expect((await call('POST', '/records', police, { reference: 'HUKOU-909', identityNumber: identity, category: 'identity', typeCode: 'household-registration', formedOn: today, details: {} })).status).toBe(201);
    const { person_id: personId } = (await platform.db.pool.query(`SELECT person_id FROM records WHERE reference = 'HUKOU-909'`)).rows[0];
    const token = await platform.token('person', { person: personId });
    await platform.signAgreement(token);
    const score = await call('GET', '/me/score', token);
    expect(score).toMatchObject({ status: 200, body: { inScope: false, scores: [], outOfScope: [{ code: 'civil-capacity-unconfirmed', message: expect.stringContaining('Art. 3') }] } });
    expect((await call('GET', '/me/score', await platform.token('person', { person: randomUUID() }))).status).toBe(404);
  });

  it("Art. 22 registers a refused read: another person's objection, another sharer's record", async () => {
    const applicant = await resident('1972-02-02', 202);
    const other = await resident('1973-03-03', 303);
    const filed = await call('POST', '/objections', ndrc, { target: 'score', personId: applicant.personId, reason: 'received on paper', receivedOn: today });
    expect(filed.status).toBe(202);
    const intruder = await platform.token('person', { person: other.personId, subject: 'person-303' });
    expect((await call('GET', `/objections/${filed.body.objectionId}`, intruder)).status).toBe(404);
    // A resident is registered by their platform id, not their token's subject.
    const refusedObjection = await platform.db.pool.query(`SELECT actor_id, person_id, subject FROM query_log WHERE outcome = 'refused' AND actor_role = 'person'`);
    expect(refusedObjection.rows).toEqual([{ actor_id: other.personId, person_id: applicant.personId, subject: `objection/${filed.body.objectionId}` }]);

    expect((await call('POST', '/records', market, penalty('EDGE-READ'))).status).toBe(201);
    expect((await call('GET', '/records/EDGE-READ', police)).status).toBe(404);
    const refusedRecord = await platform.db.pool.query(`SELECT actor_agency, subject FROM query_log WHERE outcome = 'refused' AND actor_role = 'agency'`);
    expect(refusedRecord.rows).toEqual([{ actor_agency: 'jinan-public-security', subject: 'record EDGE-READ' }]);
  });

  it('reads the record-type catalogue, with the details each type takes, without a token', async () => {
    const catalogue = await call('GET', '/record-types');
    expect(catalogue.status).toBe(200);
    const penaltyType = catalogue.body.recordTypes.find((type: { code: string }) => type.code === 'administrative-penalty');
    expect(penaltyType).toMatchObject({ category: 'administrative', polarity: 'negative', severity: 'general', countsForMonths: 12 });
    expect(penaltyType.details).toEqual(expect.arrayContaining([{ name: 'procedure', kind: 'choice', required: true, choices: ['general', 'simple'], description: expect.any(String) }]));
  });

  it('documents every refusal with the error shape, dates as format date and times as date-time', async () => {
    const spec = (await (await fetch(`${platform.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, { content?: Record<string, { schema: unknown }> }>; requestBody?: any; parameters?: any[] }>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the OpenAPI document read field by field
    };
    const operations = Object.entries(spec.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
    expect(operations.length).toBeGreaterThan(30);
    for (const { path, method, operation } of operations) {
      expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '503']));
      const secured = !(Array.isArray(operation.security) && operation.security.length === 0);
      if (secured) expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '403']));
      const refusal = operation.responses['400']!.content!['application/json']!.schema as { properties: { error: { properties: Record<string, unknown> } } };
      expect(Object.keys(refusal.properties.error.properties)).toEqual(['code', 'message', 'field']);
    }
    expect(spec.paths['/obligations']!.post!.requestBody.content['application/json'].schema.properties.formedOn).toMatchObject({ type: 'string', format: 'date' });
    expect(spec.paths['/tasks']!.get!.parameters!.find((p: { name: string }) => p.name === 'dueBefore').schema).toMatchObject({ format: 'date-time' });
    expect(Object.keys(spec.paths['/objections']!.post!.responses)).toEqual(expect.arrayContaining(['202', '404', '409']));
  });

  // Last: it takes the current year's notice away, as if it had not been published.
  it('Art. 10 and Art. 20 mark a deadline in a year whose notice is not loaded as provisional, and show the provisional days of such a year', async () => {
    const next = await call('GET', '/calendar/years/2027', market);
    expect(next.body).toMatchObject({ year: 2027, published: false });
    expect(next.body.days).toHaveLength(365);
    expect(next.body.days.find((day: { day: string }) => day.day === '2027-05-03')).toMatchObject({ isWorkingDay: false, source: 'provisional', note: expect.stringContaining('made up') });

    await platform.db.pool.query('DELETE FROM calendar_years WHERE year = $1', [Number(today.slice(0, 4))]);
    expect((await call('POST', '/obligations', market, { reference: 'EDGE-PROV', formedOn: today })).status).toBe(202);
    await expect.poll(async () => (await call('GET', '/obligations/EDGE-PROV', market)).body.provisional, { timeout: 15_000 }).toBe(true);
    expect((await call('GET', '/obligations?state=open', market)).body.obligations.find((o: { reference: string }) => o.reference === 'EDGE-PROV')).toMatchObject({ provisional: true });

    const { personId } = await resident('1974-04-04', 404);
    expect((await call('POST', '/objections', ndrc, { target: 'score', personId, reason: 'received on paper', receivedOn: today })).status).toBe(202);
    await expect
      .poll(async () => ((await call('GET', '/tasks?state=open', ndrc)).body.tasks as { provisional: boolean | null }[]).map((task) => task.provisional), { timeout: 15_000 })
      .toContain(true);
  });
});
