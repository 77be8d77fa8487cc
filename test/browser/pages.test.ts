import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKET_ATTESTATION } from '../../src/domain/record';
import { addDays, shanghaiDayOf } from '../../src/domain/working-days';
import { knownCodes } from '../../src/api/pages/vocabulary';
import { COMMITMENT } from '../support/repair-fixtures';
import { accessibilityViolations, launchBrowser, screenshot } from '../support/browser';
import { identityNumber } from '../support/identities';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';

/**
 * The pages as their users meet them: a headless Chromium (Debian's) signs in with a token, works
 * an agency's objection task in the inbox and reads the supervisors' SLA board, in zh-CN and en.
 */
describe('Art. 20 reviewers decide objections in the inbox; Art. 10 supervisors see breaches on the SLA board (pages in the browser)', () => {
  let platform: RunningPlatform;
  let browser: Browser;
  let agencyToken: string;
  let ndrcToken: string;
  let supervisorToken: string;
  let objectionId: string;
  let providerToken: string;
  let providerObjectionId: string;
  let providerRepairId: string;
  let correctedObjectionId: string;
  let deferralAgencyToken: string;
  let deferralRepairId: string;
  let abandonedObjectionId: string;
  let abandonedTaskId: string;
  let personToken: string;
  let supplementRepairId: string;
  const AGENCY = 'browser-tax-bureau';
  const DEFERRAL_AGENCY = 'browser-urban-management';
  const PROVIDER = 'browser-qilu-lender';
  const LATE_REFERENCE = 'BROWSER-LATE-0909';
  const today = shanghaiDayOf(new Date());
  const formedLongAgo = addDays(today, -40);
  const resident = identityNumber('1979-09-09', 909);

  const call = (method: string, path: string, token: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);

  /** The open task of the objection, once its workflow has opened it (set-up runs outside a test, without expect.poll). */
  async function openTask(token: string, kind: string, subject = objectionId): Promise<JsonAnswer['body']> {
    for (const started = Date.now(); Date.now() - started < 20_000; await new Promise((resolve) => setTimeout(resolve, 100))) {
      const found = ((await call('GET', '/tasks?state=open', token)).body.tasks as JsonAnswer['body'][]).find((t) => t.kind === kind && t.subject === subject);
      if (found) return found;
    }
    throw new Error(`no open ${kind} task for ${subject}`);
  }

  /**
   * The platform's codes a Chinese page shows as they are: its main text, but for what users
   * wrote (reasons, names) and identifiers (`code`), searched for every code the pages translate.
   */
  async function untranslatedCodes(page: Page): Promise<string[]> {
    // Run in the page, as text: this project's TypeScript has no DOM types.
    const text = (await page.evaluate(`(() => {
      const main = document.querySelector('main').cloneNode(true);
      for (const element of main.querySelectorAll('.user-text, code, textarea, script, [data-code] p')) element.remove();
      return main.innerText;
    })()`)) as string;
    const codes = [...Object.values(knownCodes()).flat(), 'objection', 'repair', 'declaration', 'record-sharing', 'open', 'claimed', 'completed', 'cancelled'];
    return [...new Set(codes.filter((code) => new RegExp(`(^|[^\\w-])${code}($|[^\\w-])`).test(text)))];
  }

  /** A page as its users meet it: no code shown untranslated (in Chinese), no accessibility rule broken, and its screenshot kept. */
  async function checked(page: Page, name: string): Promise<void> {
    if (name.endsWith('-zh')) expect(await untranslatedCodes(page), name).toEqual([]);
    expect(await accessibilityViolations(page), name).toEqual([]);
    await screenshot(page, name);
  }

  /** A browser session of its own, signed in through the sign-in page with the token. */
  async function signedIn(token: string, locale: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ locale });
    const page = await context.newPage();
    await page.goto(`${platform.url}/ui/sign-in`);
    await page.fill('#token', token);
    await Promise.all([page.waitForURL(/\/ui\/(inbox|sla)/), page.click('#sign-in')]);
    return { context, page };
  }

  beforeAll(async () => {
    platform = await startPlatform();
    browser = await launchBrowser();
    ({ agencyToken, providerToken, deferralAgencyToken } = await organisations(platform, {
      agencyToken: { id: AGENCY, subject: 'tax-clerk-wang' },
      providerToken: { id: PROVIDER, subject: 'lender-clerk-sun' },
      deferralAgencyToken: { id: DEFERRAL_AGENCY, subject: 'urban-clerk-liu' },
    }));
    ndrcToken = await platform.token('ndrc', { subject: 'ndrc-reviewer-browser' });
    supervisorToken = await platform.token('supervisor', { subject: 'supervisor-browser' });
    const share = (reference: string, formedOn: string) =>
      call('POST', '/records', agencyToken, { reference, identityNumber: resident, category: 'administrative', typeCode: 'administrative-penalty', formedOn, details: { procedure: 'general' } });
    const shared = await share('BROWSER-PEN-0909', today);
    expect(shared.status).toBe(201);
    // Shared 40 days after it was formed: the 7-working-day obligation was met late (Art. 10).
    expect((await share(LATE_REFERENCE, formedLongAgo)).status).toBe(201);
    const { person_id: personId, id: recordId } = (await platform.db.pool.query("SELECT person_id, id FROM records WHERE reference = 'BROWSER-PEN-0909'")).rows[0];
    const person = await platform.token('person', { person: personId });
    const filed = await call('POST', '/objections', person, { target: 'record', recordId, reason: 'The penalty was paid and lifted the same day' });
    expect(filed.status).toBe(202);
    objectionId = filed.body.objectionId;
    const triage = await openTask(ndrcToken, 'objection-triage');
    const forwarded = await call('POST', `/tasks/${triage.id}/completion`, ndrcToken, { decision: 'forward-to-agency', reasons: 'The agency holds the penalty file' });
    expect(forwarded.status).toBe(200);
    await openTask(agencyToken, 'objection-verification');

    // A market provider's records: an objection NDRC forwards to it, and a repair it decides (Art. 20, 21).
    const loan = async (reference: string) => {
      const answer = await call('POST', '/records', providerToken, {
        reference,
        identityNumber: resident,
        category: 'market',
        typeCode: 'loan-overdue',
        formedOn: addDays(today, -120),
        details: { daysOverdue: 60 },
        attestation: { statement: MARKET_ATTESTATION, attestedBy: 'Qilu Consumer Lending credit office', attestedAt: new Date().toISOString() },
      });
      expect(answer.status).toBe(201);
      return answer.body.recordId as string;
    };
    await platform.signAgreement(person);
    const disputed = await call('POST', '/objections', person, { target: 'record', recordId: await loan('BROWSER-LOAN-1'), reason: 'I repaid the loan on time' });
    providerObjectionId = disputed.body.objectionId;
    const loanTriage = await openTask(ndrcToken, 'objection-triage', providerObjectionId);
    expect((await call('POST', `/tasks/${loanTriage.id}/completion`, ndrcToken, { decision: 'forward-to-agency', reasons: 'The lender holds the loan file' })).status).toBe(200);
    await openTask(providerToken, 'objection-verification', providerObjectionId);
    const repair = await call('POST', '/repairs', person, { recordId: await loan('BROWSER-LOAN-2'), route: 'performance', commitmentVersion: COMMITMENT });
    expect(repair.status).toBe(202);
    providerRepairId = repair.body.repairId;
    await openTask(providerToken, 'repair-performance', providerRepairId);

    // A second penalty objected to and forwarded to the tax bureau, which corrects it from its page (Art. 20).
    const fined = await call('POST', '/records', agencyToken, {
      reference: 'BROWSER-PEN-0910', identityNumber: resident, category: 'administrative', typeCode: 'administrative-penalty', formedOn: today,
      details: { procedure: 'general', amountYuan: 2000 },
    });
    expect(fined.status).toBe(201);
    const objected = await call('POST', '/objections', person, { target: 'record', recordId: fined.body.recordId, reason: 'The fine was 200 yuan, not 2000' });
    correctedObjectionId = objected.body.objectionId;
    const fineTriage = await openTask(ndrcToken, 'objection-triage', correctedObjectionId);
    expect((await call('POST', `/tasks/${fineTriage.id}/completion`, ndrcToken, { decision: 'forward-to-agency', reasons: 'The bureau holds the decision' })).status).toBe(200);
    await openTask(agencyToken, 'objection-verification', correctedObjectionId);

    // A penalty old enough to repair, by a deferral its agency grants from its page (Art. 21).
    const old = await call('POST', '/records', deferralAgencyToken, {
      reference: 'BROWSER-PEN-DEFER', identityNumber: resident, category: 'administrative', typeCode: 'administrative-penalty', formedOn: addDays(today, -200),
      details: { procedure: 'general', amountYuan: 3000 },
    });
    expect(old.status).toBe(201);
    const deferral = await call('POST', '/repairs', person, { recordId: old.body.recordId, route: 'deferral', commitmentVersion: COMMITMENT });
    expect(deferral.status).toBe(202);
    deferralRepairId = deferral.body.repairId;
    await openTask(deferralAgencyToken, 'repair-deferral', deferralRepairId);

    // A repair by performance, confirmed by its agency, whose application NDRC finds short of a document (Art. 21).
    personToken = person;
    const unpaid = await call('POST', '/records', deferralAgencyToken, {
      reference: 'BROWSER-PEN-PERF', identityNumber: resident, category: 'administrative', typeCode: 'administrative-penalty', formedOn: addDays(today, -200),
      details: { procedure: 'general', amountYuan: 800 },
    });
    const performed = await call('POST', '/repairs', person, { recordId: unpaid.body.recordId, route: 'performance', commitmentVersion: COMMITMENT });
    expect(performed.status).toBe(202);
    supplementRepairId = performed.body.repairId;
    const confirmation = await openTask(deferralAgencyToken, 'repair-performance', supplementRepairId);
    expect((await call('POST', `/tasks/${confirmation.id}/completion`, deferralAgencyToken, { decision: 'met', reasons: 'The fine was paid' })).status).toBe(200);
    await openTask(ndrcToken, 'repair-completeness', supplementRepairId);

    // A paper objection to the score, claimed by a reviewer who then went on leave (the supervisor releases it).
    const paper = await call('POST', '/objections', ndrcToken, { target: 'score', personId, reason: 'Paper objection left with an absent reviewer', receivedOn: today });
    abandonedObjectionId = paper.body.objectionId;
    abandonedTaskId = (await openTask(ndrcToken, 'objection-decision', abandonedObjectionId)).id;
    expect((await call('POST', `/tasks/${abandonedTaskId}/claim`, await platform.token('ndrc', { subject: 'ndrc-reviewer-on-leave' }))).status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('Art. 20 an agency reviewer opens the forwarded objection from the inbox (zh-CN), sees a refused decision with its reason, then decides and sees the new state', async () => {
    const { context, page } = await signedIn(agencyToken, 'zh-CN');
    const session = (await context.cookies()).find((cookie) => cookie.name === 'session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/ui' });
    await expect.poll(() => page.locator('h1').textContent()).toBe('待办任务');
    const row = page.locator(`#tasks tbody tr[data-subject="${objectionId}"]`);
    expect(await row.locator('td.state').textContent()).toBe('待处理');
    // What the task is about, in words: the kind, the record's type and reference, its sharer.
    expect(await row.textContent()).toContain('异议核查');
    expect(await row.textContent()).toContain('行政处罚 BROWSER-PEN-0909');
    expect(await row.textContent()).toContain('Jinan Tax Bureau');
    expect(await untranslatedCodes(page)).toEqual([]);
    await screenshot(page, 'inbox-zh');
    await Promise.all([page.waitForURL(/\/ui\/tasks\//), row.locator('a').click()]);
    // The case in front of the reviewer: the record as its reviewer may see it, the applicant's reason, the decisions before this one.
    const record = await page.locator('#record').textContent();
    expect(record).toContain('行政处罚');
    expect(record).toContain('一般');
    expect(record).toContain(AGENCY);
    expect(record).toContain('异议中');
    expect(await page.locator('#record').textContent()).toContain('一般程序');
    expect(await page.locator('#application').textContent()).toContain('The penalty was paid and lifted the same day');
    expect(await page.locator('#decisions').textContent()).toContain('转交机构核查');
    expect(await page.locator('#due').textContent()).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日 24:00/);
    expect(await untranslatedCodes(page)).toEqual([]);
    await screenshot(page, 'task-case-zh');

    await page.selectOption('#decision', 'uphold');
    await page.fill('#reasons', 'x');
    const refused = await Promise.all([page.waitForResponse((response) => response.url().endsWith('/decision')), page.click('#submit-decision')]);
    expect(refused[0].status()).toBe(422);
    const refusal = page.locator('.refusal');
    expect(await refusal.getAttribute('data-code')).toBe('invalid-decision');
    expect(await refusal.textContent()).toContain('决定不符合要求');
    expect(await refusal.textContent()).toContain('a decision needs its reasons');
    expect(await page.inputValue('#reasons')).toBe('x');
    await screenshot(page, 'inbox-refused-decision-zh');

    await page.selectOption('#decision', 'uphold');
    await page.fill('#reasons', 'The penalty stands: the file shows it unpaid on the day it was formed');
    await Promise.all([page.waitForURL(/done=decide/), page.click('#submit-decision')]);
    expect(await page.locator('.notice').textContent()).toContain('决定已记录');
    expect(await page.locator('#task-state').textContent()).toBe('已完成');
    const history = await page.locator('#history').textContent();
    expect(history).toContain('完成');
    expect(history).toContain('维持原信息');
    expect(history).toContain('tax-clerk-wang');
    expect(await untranslatedCodes(page)).toEqual([]);
    // The check sees a code shown as it is.
    await page.evaluate(`document.querySelector('main').insertAdjacentHTML('beforeend', '<p>objection-verification: uphold</p>')`);
    expect(await untranslatedCodes(page)).toEqual(['objection-verification', 'uphold']);
    await screenshot(page, 'inbox-decided-zh');
    await context.close();
  });

  it('Art. 20, 21 a market provider decides the objection and the repair about its own records from its inbox', async () => {
    const { context, page } = await signedIn(providerToken, 'zh-CN');
    for (const [subject, decision, reasons] of [
      [providerObjectionId, 'uphold', 'The repayment was 60 days late, as shared'],
      [providerRepairId, 'met', 'The overdue amount was repaid in full'],
    ] as const) {
      await page.goto(`${platform.url}/ui/inbox`);
      const row = page.locator(`#tasks tbody tr[data-subject="${subject}"]`);
      await Promise.all([page.waitForURL(/\/ui\/tasks\//), row.locator('a').click()]);
      await page.selectOption('#decision', decision);
      await page.fill('#reasons', reasons);
      await Promise.all([page.waitForURL(/done=decide/), page.click('#submit-decision')]);
      expect(await page.locator('#task-state').textContent()).toBe('已完成');
    }
    await screenshot(page, 'inbox-provider-decided-zh');
    await context.close();
    await expect.poll(async () => (await call('GET', `/objections/${providerObjectionId}`, ndrcToken)).body.state, { timeout: 15_000 }).toBe('decided');
    // Subsequent performance confirmed by the provider: NDRC now checks the application.
    await openTask(ndrcToken, 'repair-completeness', providerRepairId);
  });

  it('speaks English on request and keeps it, and refuses a form without its CSRF token', async () => {
    const { context, page } = await signedIn(ndrcToken, 'en-GB');
    await page.click('#language');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Task inbox');
    await page.goto(`${platform.url}/ui/inbox?state=completed`);
    expect(await page.locator('h1').textContent()).toBe('Task inbox');
    expect(await page.locator('#tasks').textContent()).toContain('Completed');
    await screenshot(page, 'inbox-en');
    // A form posted from elsewhere carries the session cookie at most, never the page's token.
    const forged = await page.request.post(`${platform.url}/ui/sign-out`, { form: {} });
    expect(forged.status()).toBe(403);
    await context.close();
  });

  it('Art. 10 the SLA board shows the late sharing by agency and process, its link opens the matching query in the Temporal Web UI, and its CSV matches', async () => {
    const { context, page } = await signedIn(supervisorToken, 'zh-CN');
    await page.goto(`${platform.url}/ui/sla?from=${formedLongAgo}&to=${today}`);
    expect(await page.locator('h1').textContent()).toBe('时限监督看板');
    const row = page.locator(`#sla tr[data-agency="${AGENCY}"][data-process="record-sharing"]`);
    expect(Number(await row.locator('td.metLate a').textContent())).toBe(1);
    await expect.poll(() => page.locator('#trend').getAttribute('data-rendered')).toBe('true');
    await screenshot(page, 'sla-board-zh');

    const link = (await row.locator('td.metLate a').getAttribute('href'))!;
    const query = new URL(link).searchParams.get('query')!;
    expect(query).toContain(`Agency = '${AGENCY}'`);
    expect(query).toContain("CreditProcess = 'record-sharing'");
    const workflowId = `record-sharing/${AGENCY}/${LATE_REFERENCE}`;
    const listed: string[] = [];
    for await (const workflow of platform.client.workflow.list({ query })) listed.push(workflow.workflowId);
    expect(listed).toContain(workflowId);
    const webUi = await context.newPage();
    await webUi.goto(link);
    await expect.poll(() => webUi.getByText(workflowId).count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await screenshot(webUi, 'sla-board-link-in-temporal-web-ui');

    // The downloads, from the page's own links, under its session.
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    expect(csvDownload.suggestedFilename()).toBe(`sla-${formedLongAgo}-${today}.csv`);
    const csv = await page.request.get(`${platform.url}${(await page.getAttribute('#download-csv', 'href'))!}`);
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect(await csv.text()).toContain(`${AGENCY},record-sharing,0,1,0,`);
    const json = await page.request.get(`${platform.url}${(await page.getAttribute('#download-json', 'href'))!}`);
    expect(json.status()).toBe(200);
    expect((await json.json()).rows).toContainEqual(expect.objectContaining({ agencyId: AGENCY, process: 'record-sharing', metLate: 1 }));

    // The organisations, with their kinds in words and the token roles that act for them.
    await page.click('header nav a[href="/ui/agencies"]');
    expect(await page.locator('#agencies tr', { hasText: AGENCY }).textContent()).toContain('公共信用信息管理单位');
    await context.close();
  });

  it('Art. 20 an agency reviewer corrects a record through an objection from its page, the correction\'s fields filled from the catalogue', async () => {
    const { context, page } = await signedIn(agencyToken, 'zh-CN');
    await Promise.all([page.waitForURL(/\/ui\/tasks\//), page.locator(`#tasks tbody tr[data-subject="${correctedObjectionId}"] a`).click()]);
    await page.selectOption('#decision', 'correct');
    // The record as it stands fills the form: its type, day and details, with the type's fields from the catalogue.
    expect(await page.inputValue('#typeCode')).toBe('administrative-penalty');
    expect(await page.inputValue('#formedOn')).toBe(today);
    expect(await page.inputValue('#detail-administrative-penalty-procedure')).toBe('general');
    expect(await page.inputValue('#detail-administrative-penalty-amountYuan')).toBe('2000');
    expect(await page.locator('fieldset.details[data-type="administrative-licence"]').isHidden()).toBe(true);
    expect(await page.locator('#schedule').count()).toBe(0);
    await checked(page, 'task-correction-form-zh');

    // A refusal is shown in place, with everything entered kept.
    await page.fill('#reasons', 'The decision says 200 yuan');
    await page.fill('#detail-administrative-penalty-amountYuan', '200');
    await page.selectOption('#detail-administrative-penalty-procedure', 'simple');
    const refused = await Promise.all([page.waitForResponse((response) => response.url().endsWith('/decision')), page.click('#submit-decision')]);
    expect(refused[0].status()).toBe(400);
    expect(await page.locator('.refusal .field').textContent()).toContain('correction.details.procedure');
    expect(await page.inputValue('#decision')).toBe('correct');
    expect(await page.inputValue('#detail-administrative-penalty-amountYuan')).toBe('200');
    expect(await page.inputValue('#reasons')).toBe('The decision says 200 yuan');
    await checked(page, 'task-correction-refused-zh');

    await page.selectOption('#detail-administrative-penalty-procedure', 'general');
    await page.fill('#detail-administrative-penalty-decisionNumber', 'JNSW-2026-118');
    await page.selectOption('#evidence-kind-0', 'decision');
    await page.fill('#evidence-ref-0', 'Penalty decision JNSW-2026-118');
    await Promise.all([page.waitForURL(/done=decide/), page.click('#submit-decision')]);
    expect(await page.locator('#task-state').textContent()).toBe('已完成');
    await context.close();
    await expect.poll(async () => (await call('GET', `/objections/${correctedObjectionId}`, ndrcToken)).body.state, { timeout: 15_000 }).toBe('decided');
    const record = (await call('GET', '/records/BROWSER-PEN-0910', agencyToken)).body;
    expect(record.versions.map((version: { version: number }) => version.version)).toEqual([2, 1]);
    expect(record.current).toMatchObject({ details: { procedure: 'general', amountYuan: 200, decisionNumber: 'JNSW-2026-118' }, evidence: [{ kind: 'decision', ref: 'Penalty decision JNSW-2026-118' }] });
  });

  it('Art. 20 NDRC corrects an objection to the score from its page, choosing the record to correct among those the score counts', async () => {
    // A resident in scope, scored with two penalties.
    const references = { hukou: 'BROWSER-HUKOU-0910', capacity: 'BROWSER-CAPACITY-0910' };
    const { identity: scored, token: person } = await residentInScope(platform, agencyToken, { birthDate: '1979-09-10', sequence: 910, references });
    const share = (reference: string, formedOn: string, details: Record<string, unknown>) =>
      call('POST', '/records', agencyToken, { reference, identityNumber: scored, category: 'administrative', typeCode: 'administrative-penalty', formedOn, details });
    await share('BROWSER-PEN-0911', today, { procedure: 'general' });
    const late = (await share('BROWSER-PEN-0912', formedLongAgo, { procedure: 'general', amountYuan: 500 })).body.recordId as string;
    const base = async () => ((await call('GET', '/me/score', person)).body.scores as JsonAnswer['body'][]).find((score) => score.scenario === 'base')?.score;
    await expect.poll(base, { timeout: 15_000 }).toBe(940);
    const filed = await call('POST', '/objections', person, { target: 'score', reason: 'The older penalty is dated wrongly' });
    expect(filed.status).toBe(202);
    const task = await openTask(ndrcToken, 'objection-decision', filed.body.objectionId);

    const { context, page } = await signedIn(ndrcToken, 'zh-CN');
    await page.goto(`${platform.url}/ui/tasks/${task.id}`);
    expect(await page.locator('main dl').first().textContent()).toContain('申请人对本人积分的异议');
    await page.selectOption('#decision', 'correct');
    // Nothing chosen yet: the form says to choose the record among the score's lines.
    expect(await page.locator('#choose-record').isVisible()).toBe(true);
    expect(await page.locator('#score-lines tbody tr').count()).toBe(2);
    await Promise.all([page.waitForURL(new RegExp(`record=${late}`)), page.locator(`#score-lines a[href*="${late}"]`).click()]);
    await page.selectOption('#decision', 'correct');
    expect(await page.inputValue('#formedOn')).toBe(formedLongAgo);
    expect(await page.inputValue('#detail-administrative-penalty-amountYuan')).toBe('500');
    expect(await page.locator('#record code').first().textContent()).toBe('BROWSER-PEN-0912');
    await checked(page, 'task-score-correction-zh');

    // Dated 400 days ago, an administrative penalty (counted for a year) no longer counts.
    await page.fill('#formedOn', addDays(today, -400));
    await page.fill('#reasons', 'The penalty decision is dated last year');
    await Promise.all([page.waitForURL(/done=decide/), page.click('#submit-decision')]);
    await context.close();
    await expect.poll(async () => (await call('GET', `/objections/${filed.body.objectionId}`, ndrcToken)).body.changed, { timeout: 15_000 }).toMatchObject({ recordId: late, version: 2 });
    await expect.poll(base, { timeout: 15_000 }).toBe(970);
  });

  it('Art. 21 an agency grants a deferral in two instalments from its page, with their days and amounts', async () => {
    const { context, page } = await signedIn(deferralAgencyToken, 'zh-CN');
    await Promise.all([page.waitForURL(/\/ui\/tasks\//), page.locator(`#tasks tbody tr[data-subject="${deferralRepairId}"] a`).click()]);
    await page.selectOption('#decision', 'grant');
    expect(await page.locator('#schedule').isVisible()).toBe(true);
    expect(await page.locator('#correction').count()).toBe(0);
    await page.fill('#reasons', 'Two instalments of 1500 yuan');
    await page.fill('#due-on-0', addDays(today, 30));
    await page.fill('#amount-0', '1500');
    await page.fill('#due-on-1', addDays(today, 60));
    await checked(page, 'task-deferral-form-zh');
    // An amount for one instalment but not the other is refused in place, the days kept.
    const refused = await Promise.all([page.waitForResponse((response) => response.url().endsWith('/decision')), page.click('#submit-decision')]);
    expect(refused[0].status()).toBe(400);
    expect(await page.locator('.refusal .field').textContent()).toContain('amountsYuan');
    expect(await page.inputValue('#due-on-1')).toBe(addDays(today, 60));
    await page.fill('#amount-1', '1500');
    await Promise.all([page.waitForURL(/done=decide/), page.click('#submit-decision')]);
    expect(await page.locator('#task-state').textContent()).toBe('已完成');
    await checked(page, 'task-deferral-granted-zh');
    await context.close();
    await expect
      .poll(async () => (await call('GET', `/repairs/${deferralRepairId}`, ndrcToken)).body.instalments, { timeout: 15_000 })
      .toEqual([
        { dueOn: addDays(today, 30), state: 'due', amountYuan: 1500 },
        { dueOn: addDays(today, 60), state: 'due', amountYuan: 1500 },
      ]);
    const instalment = await openTask(deferralAgencyToken, 'repair-instalment', deferralRepairId);
    expect(instalment.context).toMatchObject({ dueOn: addDays(today, 30), amountYuan: 1500 });
  });

  it('Art. 20 a supervisor sees who holds a task and since when, releases the claim of a reviewer on leave and sends a reminder, each in the task history', async () => {
    const { context, page } = await signedIn(supervisorToken, 'zh-CN');
    await page.goto(`${platform.url}/ui/inbox?state=claimed`);
    const row = page.locator(`#tasks tbody tr[data-subject="${abandonedObjectionId}"]`);
    expect(await row.textContent()).toContain('ndrc-reviewer-on-leave');
    await checked(page, 'inbox-supervisor-zh');
    await Promise.all([page.waitForURL(/\/ui\/tasks\//), row.locator('a').click()]);
    expect(await page.locator('#claimed-by').textContent()).toMatch(/ndrc-reviewer-on-leave \(认领于 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}\)/);
    // A supervisor does not decide.
    expect(await page.locator('#submit-decision').count()).toBe(0);
    await checked(page, 'task-supervisor-zh');
    await Promise.all([page.waitForURL(/done=release/), page.click('#release')]);
    expect(await page.locator('.notice').textContent()).toContain('认领已释放');
    expect(await page.locator('#claimed-by').textContent()).toBe('—');
    await Promise.all([page.waitForURL(/done=remind/), page.click('#remind')]);
    expect(await page.locator('.notice').textContent()).toContain('提醒已发送');
    const history = await page.locator('#history').textContent();
    expect(history).toContain('解除认领： ndrc-reviewer-on-leave');
    expect(history).toContain('督办提醒');
    expect(history).toContain('提醒对象： 市发展改革部门');
    expect(history).toContain('supervisor-browser');
    await checked(page, 'task-supervisor-acted-zh');
    await context.close();
  });

  it('Art. 21 NDRC asks an applicant for a missing document from the page; what the applicant supplies is in front of it on the next check', async () => {
    const { context, page } = await signedIn(ndrcToken, 'zh-CN');
    await Promise.all([page.waitForURL(/\/ui\/tasks\//), page.locator(`#tasks tbody tr[data-subject="${supplementRepairId}"] a`).click()]);
    await page.selectOption('#decision', 'request-supplement');
    await page.fill('#reasons', '请补充罚款缴纳凭证');
    await checked(page, 'task-supplement-request-zh');
    await Promise.all([page.waitForURL(/done=decide/), page.click('#submit-decision')]);
    expect(await page.locator('#task-state').textContent()).toBe('已完成');
    // The decision is recorded; the repair asks the applicant in its next step.
    await expect.poll(async () => (await call('GET', `/repairs/${supplementRepairId}`, ndrcToken)).body.state, { timeout: 15_000 }).toBe('supplementing');
    const asked = (await call('GET', `/repairs/${supplementRepairId}`, ndrcToken)).body;
    expect(asked).toMatchObject({ state: 'supplementing', supplements: [{ missing: '请补充罚款缴纳凭证', until: addDays(today, 15) }] });

    const supplied = await call('POST', `/repairs/${supplementRepairId}/supplement`, personToken, { evidence: [{ kind: 'certificate', ref: 'Fine receipt BROWSER-PEN-PERF' }] });
    expect(supplied).toMatchObject({ status: 200, body: { state: 'checking' } });
    const next = await openTask(ndrcToken, 'repair-completeness', supplementRepairId);
    await page.goto(`${platform.url}/ui/tasks/${next.id}`);
    expect(await page.locator('#application').textContent()).toContain('证明: Fine receipt BROWSER-PEN-PERF');
    expect(await page.locator('#decisions').textContent()).toContain('通知申请人补正材料');
    expect(await page.locator('#decisions').textContent()).toContain('请补充罚款缴纳凭证');
    await checked(page, 'task-supplement-supplied-zh');
    await context.close();
  });

  it('every page passes the accessibility check: sign-in, inbox, a task, the SLA board, the organisations, a refusal, in Chinese and English', async () => {
    const anonymous = await browser.newContext({ locale: 'zh-CN' });
    const signIn = await anonymous.newPage();
    await signIn.goto(`${platform.url}/ui/sign-in`);
    await checked(signIn, 'sign-in-zh');
    await signIn.fill('#token', 'not-a-token');
    await signIn.click('#sign-in');
    expect(await signIn.locator('.refusal').count()).toBe(1);
    await checked(signIn, 'sign-in-refused-zh');
    await anonymous.close();
    for (const [locale, suffix] of [['zh-CN', 'zh'], ['en', 'en']] as const) {
      const { context, page } = await signedIn(ndrcToken, locale);
      await page.goto(`${platform.url}/ui/inbox?lang=${locale}`);
      await checked(page, `a11y-inbox-${suffix}`);
      await page.goto(`${platform.url}/ui/tasks/${abandonedTaskId}`);
      await checked(page, `a11y-task-${suffix}`);
      await page.goto(`${platform.url}/ui/sla`);
      await checked(page, `a11y-sla-board-${suffix}`);
      await page.goto(`${platform.url}/ui/agencies`);
      await checked(page, `a11y-agencies-${suffix}`);
      await page.goto(`${platform.url}/ui/tasks/00000000-0000-4000-8000-000000000000`);
      expect(await page.locator('.refusal').count()).toBe(1);
      await checked(page, `a11y-refusal-${suffix}`);
      await context.close();
    }
  });
});
