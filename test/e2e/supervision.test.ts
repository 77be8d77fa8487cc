import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays, dueDayOf, shanghaiDayOf } from '../../src/domain/working-days';
import { projectRoot } from '../../src/project-root';
import { resolveTemporalExecutable } from '../../src/temporal/binaries';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';

const run = promisify(execFile);

/** The saved queries the README links to, decoded from its links. */
function savedQueries(): Record<string, string> {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const links = readme.matchAll(/\[([^\]]+)\]\(http:\/\/localhost:8233\/namespaces\/default\/workflows\?query=([^)\s]+)\)/g);
  return Object.fromEntries([...links].map(([, label, query]) => [label!, decodeURIComponent(query!)]));
}

describe('Art. 20 supervision: an objection waiting at the agency, seen with the Temporal CLI; the README’s saved queries', () => {
  let platform: RunningPlatform;
  let market: string;
  let ndrc: string;
  let person: string;
  let personId: string;
  let supervisor: string;
  let objectedId: string;
  let repairedId: string;
  const today = shanghaiDayOf(new Date());
  const cli = resolveTemporalExecutable('cli').executable;

  const call = (method: string, path: string, token: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);
  const openTask = async (token: string, subject: string, kind: string) => {
    let task: JsonAnswer['body'] | undefined;
    await expect
      .poll(async () => {
        task = ((await call('GET', '/tasks?state=open', token)).body.tasks as JsonAnswer['body'][]).find((t) => t.subject === subject && t.kind === kind);
        return task !== undefined;
      }, { timeout: 15_000 })
      .toBe(true);
    return task!;
  };
  const decide = async (token: string, taskId: string, decision: string) =>
    expect((await call('POST', `/tasks/${taskId}/completion`, token, { decision, reasons: `decided: ${decision}` })).status).toBe(200);

  /** The project's `temporal` CLI against the run's dev server, as a supervisor runs it (async: the codec endpoint answers from this process). */
  const temporal = async (...args: string[]) => {
    if (cli.type !== 'existing-path') throw new Error('No temporal CLI installed: run "node scripts/setup.mjs" or set TEMPORAL_CLI_PATH');
    const { stdout } = await run(cli.path, [...args, '--address', inject('devServerAddress'), '--namespace', 'default']);
    return stdout;
  };
  const decoded = () => ['--codec-endpoint', `${platform.url}/codec`, '--codec-auth', `Bearer ${supervisor}`];

  beforeAll(async () => {
    platform = await startPlatform();
    const acting = await organisations(platform, { police: 'jinan-public-security', market: { id: 'jinan-market-regulation', subject: 'market-clerk-sun' } });
    market = acting.market;
    ndrc = await platform.token('ndrc', { subject: 'ndrc-reviewer-wang' });
    supervisor = await platform.token('supervisor', { subject: 'supervisor-zhou' });
    // References of this file's own: incentives.test.ts shares HUKOU-818 for the same police.
    const resident = await residentInScope(platform, acting.police, { birthDate: '1981-08-18', sequence: 818, references: { hukou: 'SV-HUKOU-818', capacity: 'SV-CAPACITY-818' } });
    ({ personId, token: person } = resident);
    // General-tier penalties formed four months ago: one to object to, one whose 3-month minimum period is served for a repair.
    const penalty = (reference: string, formedOn: string) =>
      call('POST', '/records', market, { reference, identityNumber: resident.identity, category: 'administrative', typeCode: 'administrative-penalty', formedOn, details: { procedure: 'general' } });
    const objected = await penalty('SV-PEN-818-1', addDays(today, -120));
    const repaired = await penalty('SV-PEN-818-2', addDays(today, -121));
    expect([objected.status, repaired.status]).toEqual([201, 201]);
    objectedId = objected.body.recordId;
    repairedId = repaired.body.recordId;
  });
  afterAll(() => platform?.stop());

  it('names the agency and the due day in the summary (temporal workflow describe) and the current details (temporal workflow metadata)', async () => {
    const filed = await call('POST', '/objections', person, { target: 'record', recordId: objectedId, reason: 'The penalty decision was annulled on review' });
    expect(filed.status).toBe(202);
    const { objectionId, workflowId } = filed.body;
    await decide(ndrc, (await openTask(ndrc, objectionId, 'objection-triage')).id, 'forward-to-agency');
    const verification = await openTask(market, objectionId, 'objection-verification');
    const dueDay = dueDayOf(new Date(verification.dueAt));

    const described = await temporal('workflow', 'describe', '--workflow-id', workflowId, ...decoded());
    expect(described).toContain('"异议处理 · 机构 jinan-market-regulation / Objection · agency jinan-market-regulation"');
    const details = await temporal('workflow', 'metadata', '--workflow-id', workflowId, ...decoded());
    expect(details).toContain('Current Details:');
    expect(details).toContain(`等待机构 jinan-market-regulation 核查、处理转来的异议，期限 ${dueDay} 24:00（上海时间），未逾期。`);
    expect(details).toContain(`Waiting for agency jinan-market-regulation to verify and handle the forwarded objection, due ${dueDay} 24:00 (Shanghai time): not overdue.`);
    // Without the codec the summary is a payload like any other: ciphertext.
    expect(await temporal('workflow', 'describe', '--workflow-id', workflowId)).not.toContain('异议处理');

    await decide(market, verification.id, 'uphold');
    await expect.poll(async () => (await call('GET', `/objections/${objectionId}`, person)).body.state, { timeout: 15_000 }).toBe('decided');
    const ended = await temporal('workflow', 'metadata', '--workflow-id', workflowId, ...decoded());
    expect(ended).toContain('Decided by agency jinan-market-regulation: upheld');
    expect(ended).not.toContain('Waiting for');
  });

  it('Art. 10, Art. 21: finds with the README’s saved queries a late objection, a breached sharing obligation and a repair awaiting its decision', async () => {
    const queries = savedQueries();
    expect(Object.keys(queries)).toEqual(expect.arrayContaining(['Late objections', 'Agencies with breached sharing obligations', 'Repairs awaiting a decision']));

    // NDRC registers an objection received on paper ten days ago: its 3 working days have run out.
    const late = await call('POST', '/objections', ndrc, { target: 'score', personId, reason: 'Paper objection to the score', receivedOn: addDays(today, -10) });
    expect(late.status).toBe(202);
    // Information formed twenty days ago and announced only now: its 7 working days have run out.
    const obligation = await call('POST', '/obligations', market, { reference: 'SV-LATE-818', formedOn: addDays(today, -20) });
    expect(obligation.status).toBe(202);
    // A repair by performance: the agency confirms the obligation met, NDRC finds the application complete, the agency is to decide.
    const repair = await call('POST', '/repairs', person, { recordId: repairedId, route: 'performance', commitmentVersion: '2026-04' });
    expect(repair.status).toBe(202);
    await decide(market, (await openTask(market, repair.body.repairId, 'repair-performance')).id, 'met');
    await decide(ndrc, (await openTask(ndrc, repair.body.repairId, 'repair-completeness')).id, 'complete');
    await openTask(market, repair.body.repairId, 'repair-decision');

    const listed = async (query: string) => (JSON.parse(await temporal('workflow', 'list', '--query', query, '--output', 'json')) as { execution: { workflowId: string } }[]).map((w) => w.execution.workflowId);
    for (const [label, workflowId] of [
      ['Late objections', late.body.workflowId],
      ['Agencies with breached sharing obligations', obligation.body.workflowId],
      ['Repairs awaiting a decision', repair.body.workflowId],
    ] as const) {
      await expect.poll(() => listed(queries[label]!), { timeout: 20_000, interval: 500 }).toContain(workflowId);
    }
    const repairDetails = await temporal('workflow', 'metadata', '--workflow-id', repair.body.workflowId, ...decoded());
    expect(repairDetails).toContain('Waiting for agency jinan-market-regulation to decide the repair, due');
  });
});
