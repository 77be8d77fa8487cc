import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDayOf } from '../../src/domain/working-days';
import { launchBrowser } from '../support/browser';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';

/**
 * Faults that come with the data, below every check: Postgres refusing a step for good, or failing
 * it again and again. Triggers in the test's database stand for a rule the code does not know of.
 */
describe('Processes in trouble are visible: no ghost process, no silent retrying (Art. 20)', () => {
  let platform: RunningPlatform;
  let ndrc: string;
  let supervisor: string;
  let person: string;
  let records: string[];
  const today = shanghaiDayOf(new Date());

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);
  const troubles = async () => (await call('GET', '/supervision/troubles', supervisor)).body.troubles as JsonAnswer['body'][];

  beforeAll(async () => {
    platform = await startPlatform();
    const { police, market } = await organisations(platform, { police: 'jinan-public-security', market: 'jinan-market-regulation' });
    ndrc = await platform.token('ndrc', { subject: 'ndrc-reviewer-gao' });
    supervisor = await platform.token('supervisor');
    const resident = await residentInScope(platform, police, { birthDate: '1986-06-16', sequence: 861, agree: false });
    person = resident.token;
    records = [];
    for (const reference of ['TROUBLE-1', 'TROUBLE-2']) {
      const shared = await call('POST', '/records', market, { reference, identityNumber: resident.identity, category: 'administrative', typeCode: 'administrative-penalty', formedOn: today, details: { procedure: 'general' } });
      records.push(shared.body.recordId);
    }
  });
  afterAll(() => platform?.stop());

  it('shows an objection whose workflow failed for good as failed, with its reason, in its view, the SLA report and the list of troubles, its task gone from the inbox', async () => {
    // A rule Postgres holds and the code does not: the objection's first task cannot be stored.
    await platform.db.pool.query(`CREATE FUNCTION refuse_marked_task() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.context->>'reason' LIKE 'TASK-REFUSED%' THEN RAISE check_violation USING MESSAGE = 'refused'; END IF; RETURN NEW; END $$`);
    await platform.db.pool.query('CREATE TRIGGER refuse_marked_task BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION refuse_marked_task()');
    const filed = await call('POST', '/objections', person, { target: 'record', recordId: records[0], reason: 'TASK-REFUSED: the penalty was annulled' });
    expect(filed.status).toBe(202);
    const { objectionId, workflowId } = filed.body;
    await expect.poll(async () => (await platform.client.workflow.getHandle(workflowId).describe()).status.name, { timeout: 20_000 }).toBe('FAILED');

    const view = await call('GET', `/objections/${objectionId}`, person);
    expect(view.body).toMatchObject({ state: 'failed', failure: 'InvalidData: Postgres refused the data for good (SQLSTATE 23514)', progress: null });
    const report = await call('GET', `/reports/sla?from=${today}&to=${shanghaiDayOf(new Date(Date.now() + 10 * 86_400_000))}`, supervisor);
    const ndrcRows = (report.body.rows as JsonAnswer['body'][]).filter((row) => row.process === 'objection');
    expect(ndrcRows.reduce((sum, row) => sum + row.failed, 0)).toBe(2);
    expect(ndrcRows.reduce((sum, row) => sum + row.open + row.breached, 0)).toBe(0);
    expect(await troubles()).toContainEqual(
      expect.objectContaining({ kind: 'failed', workflowId, workflowType: 'objectionWorkflow', reason: expect.stringContaining('SQLSTATE 23514'), webUiUrl: expect.stringContaining(encodeURIComponent(workflowId)) }),
    );
    expect((await call('GET', '/tasks?state=open', ndrc)).body.tasks).toEqual([]);
    await platform.db.pool.query('DROP TRIGGER refuse_marked_task ON tasks; DROP FUNCTION refuse_marked_task()');
    // Its record is no longer disputed: the person may object to it again.
    expect((await platform.db.pool.query('SELECT disputed_by FROM records WHERE id = $1', [records[0]])).rows[0].disputed_by).toBeNull();
    const again = await call('POST', '/objections', person, { target: 'record', recordId: records[0], reason: 'the penalty was annulled, again' });
    expect(again.status).toBe(202);
    expect((await call('POST', `/objections/${again.body.objectionId}/withdrawal`, person)).status).toBe(200);
  });

  it('lists a step that keeps failing from its fourth attempt, with its failure, and drops it once it succeeds', async () => {
    // The objection's path cannot be written for a while (a lock timeout, say): not data, so retried.
    await platform.db.pool.query(`CREATE FUNCTION delay_marked_path() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.path IS NOT NULL AND NEW.reason LIKE 'PATH-DELAYED%' THEN RAISE lock_not_available USING MESSAGE = 'try again'; END IF; RETURN NEW; END $$`);
    await platform.db.pool.query('CREATE TRIGGER delay_marked_path BEFORE UPDATE ON objections FOR EACH ROW EXECUTE FUNCTION delay_marked_path()');
    const filed = await call('POST', '/objections', person, { target: 'record', recordId: records[1], reason: 'PATH-DELAYED: the penalty was annulled' });
    let taskId: string | undefined;
    await expect
      .poll(async () => {
        taskId = ((await call('GET', '/tasks?state=open', ndrc)).body.tasks as JsonAnswer['body'][]).find((task) => task.subject === filed.body.objectionId)?.id;
        return taskId;
      }, { timeout: 15_000 })
      .toBeDefined();
    expect((await call('POST', `/tasks/${taskId}/completion`, ndrc, { decision: 'handle-in-house', reasons: 'NDRC holds the file' })).status).toBe(200);
    await expect
      .poll(async () => (await troubles()).find((trouble) => trouble.workflowId === filed.body.workflowId), { timeout: 30_000, interval: 500 })
      .toMatchObject({ kind: 'activity-retrying', activityType: 'recordObjectionPath', attempt: expect.any(Number), reason: 'Postgres error (SQLSTATE 55P03)' });

    // The supervisors' board lists it too, in Chinese, linked to the workflow in the Web UI.
    const browser = await launchBrowser();
    try {
      const page = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
      await page.goto(`${platform.url}/ui/sign-in`);
      await page.fill('#token', supervisor);
      await Promise.all([page.waitForURL(/\/ui\/sla/), page.click('#sign-in')]);
      const row = page.locator('#troubles tr[data-kind="activity-retrying"]', { hasText: filed.body.workflowId });
      expect(await row.locator('td').first().textContent()).toBe('步骤反复重试');
      expect(await row.locator('a').getAttribute('href')).toContain(encodeURIComponent(filed.body.workflowId));
    } finally {
      await browser.close();
    }

    await platform.db.pool.query('DROP TRIGGER delay_marked_path ON objections; DROP FUNCTION delay_marked_path()');
    await expect.poll(async () => (await troubles()).some((trouble) => trouble.workflowId === filed.body.workflowId), { timeout: 90_000, interval: 1_000 }).toBe(false);
    await expect.poll(async () => (await platform.db.pool.query('SELECT path FROM objections WHERE id = $1', [filed.body.objectionId])).rows[0].path, { timeout: 30_000 }).toBe('in-house');
  }, 180_000);
});
