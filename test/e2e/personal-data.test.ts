import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDayOf } from '../../src/domain/working-days';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';

describe('PIPL art. 45 and art. 24: a copy of my personal information, and a human review of my score', () => {
  let platform: RunningPlatform;
  let ndrc: string;
  let person: string;
  let personId: string;
  let resident: string;
  const today = shanghaiDayOf(new Date());

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);

  beforeAll(async () => {
    platform = await startPlatform();
    const { police } = await organisations(platform, { police: 'jinan-public-security' });
    ndrc = await platform.token('ndrc', { subject: 'ndrc-reviewer-qian' });
    // No agreement yet: the first test reads the copy before and after the person signs it (Art. 7).
    ({ identity: resident, personId, token: person } = await residentInScope(platform, police, { birthDate: '1976-06-06', sequence: 606, agree: false }));
    for (let tries = 0; (await platform.db.pool.query(`SELECT 1 FROM scores WHERE person_id = $1`, [personId])).rowCount === 0; tries += 1) {
      if (tries > 300) throw new Error('the person was never scored');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(() => platform?.stop());

  it('gives a person everything kept about them as one JSON file; scores only with the agreement (Art. 7); registered', async () => {
    const withoutAgreement = await call('GET', '/me/personal-data', person);
    expect(withoutAgreement.status).toBe(200);
    expect(withoutAgreement.body).toMatchObject({ person: { personId, identityNumber: resident, residency: 'household', civilCapacity: 'full' }, scores: null, scoresReplaced: null });
    expect(withoutAgreement.body.records.map((r: JsonAnswer['body']) => r.reference)).toEqual(['HUKOU-606', 'CAPACITY-606']);

    await platform.signAgreement(person);
    const response = await fetch(`${platform.url}/me/personal-data`, { headers: { authorization: `Bearer ${person}` } });
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="personal-data-${today}.json"`);
    const copy = (await response.json()) as JsonAnswer['body'];
    expect(copy.scores.map((s: JsonAnswer['body']) => s.scenario)).toEqual(expect.arrayContaining(['base', 'lending']));
    expect(copy.scores[0].breakdown).toMatchObject({ base: 1000 });
    expect(Array.isArray(copy.scoresReplaced)).toBe(true);
    expect(copy.agreements).toHaveLength(1);
    expect(copy.register.map((r: JsonAnswer['body']) => r.purpose)).toContain('copy of my personal information');
    expect(copy.notifications.length).toBeGreaterThan(0);

    // Every table that holds a person's rows is in the copy, or is the platform's own working state.
    const tables = await platform.db.pool.query<{ table_name: string }>(
      `SELECT DISTINCT c.table_name FROM information_schema.columns c JOIN pg_class t ON t.relname = c.table_name
       WHERE c.table_schema = 'public' AND c.column_name = 'person_id' AND NOT t.relispartition ORDER BY 1`,
    );
    const inCopy = ['records', 'record_history', 'score_history', 'objections', 'declarations', 'repairs', 'civic_events', 'agreements', 'authorizations', 'query_log', 'scores', 'tasks'];
    // Queues of rescoring, answered and then irrelevant to the person: no personal information of their own.
    const workingState = ['rescore_requests', 'rescoring_due'];
    expect(tables.rows.map((row) => row.table_name).sort()).toEqual([...inCopy, ...workingState].sort());

    const unverified = await platform.token('person', { person: personId, acr: 'password' });
    expect((await call('GET', '/me/personal-data', unverified)).body.error).toMatchObject({ code: 'real-name-required' });
    expect((await call('GET', '/me/personal-data', ndrc)).status).toBe(403);
  });

  it('opens a human review of the score as an objection against the score, named as such', async () => {
    expect((await call('POST', '/objections', person, { target: 'record', recordId: '00000000-0000-4000-8000-000000000606', humanReview: true, reason: 'review please', evidence: [] })).body.error).toMatchObject({
      field: 'body.humanReview',
    });
    const filed = await call('POST', '/objections', person, { target: 'score', humanReview: true, reason: 'I ask a person to review how my score was computed', evidence: [] });
    expect(filed.status).toBe(202);
    expect((await call('GET', `/objections/${filed.body.objectionId}`, person)).body).toMatchObject({ target: 'score', humanReview: true });
    let task: JsonAnswer['body'] | undefined;
    await expect
      .poll(async () => {
        task = ((await call('GET', '/tasks?state=open', ndrc)).body.tasks as JsonAnswer['body'][]).find((t) => t.subject === filed.body.objectionId);
        return task !== undefined;
      }, { timeout: 15_000 })
      .toBe(true);
    expect(task).toMatchObject({ kind: 'objection-decision', context: { target: 'score', humanReview: true } });
    // Art. 22: the reviewer shown the task read the person's data, and it is registered.
    const read = await platform.db.pool.query(`SELECT actor_id, purpose, legal_basis FROM query_log WHERE person_id = $1 AND actor_role = 'ndrc' LIMIT 1`, [personId]);
    expect(read.rows).toEqual([{ actor_id: 'ndrc-reviewer-qian', purpose: 'task inbox (objection)', legal_basis: 'Art. 20' }]);
  });
});
