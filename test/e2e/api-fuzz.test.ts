import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDayOf } from '../../src/domain/working-days';
import { failureOf } from '../../src/api/supervision/troubles';
import { fuzzApi, undecidableTasks } from '../support/fuzzer';
import { identityNumber } from '../support/identities';
import { organisations } from '../support/organisations';
import { startPlatform, type RunningPlatform } from '../support/platform';

/**
 * Every operation of the OpenAPI document (about 1,900 generated requests a role: valid, malformed
 * and hostile, every string of them possibly hostile text: lone surrogates, NUL, noncharacters,
 * bidi overrides, 100,000 characters, CJK Extension B), once with a token of each role the
 * platform's reviewers and sharers use; then every process they started is checked.
 */
describe('The API under a fuzzer: schemathesis against the OpenAPI document, with hostile text', () => {
  let platform: RunningPlatform;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    platform = await startPlatform();
    const admin = await platform.token('admin');
    const acting = await organisations(platform, { agency: 'fuzz-agency', 'civic-db': { id: 'fuzz-agency', role: 'civic-db' }, requester: 'fuzz-bank' });
    await platform.call('PUT', '/purposes/lending/requesters/fuzz-bank', await platform.token('ndrc'), { registered: true });
    const shared = await platform.call<{ recordId: string }>('POST', '/records', acting.agency, {
      reference: 'FUZZ-HUKOU',
      identityNumber: identityNumber('1980-08-08', 808),
      category: 'identity',
      typeCode: 'household-registration',
      formedOn: shanghaiDayOf(new Date()),
    });
    const { person_id: personId } = (await platform.db.pool.query('SELECT person_id FROM records WHERE id = $1', [shared.body.recordId])).rows[0];
    // The person signed the agreement (Art. 7), so the fuzzer reaches past its check.
    const person = await platform.token('person', { person: personId });
    await platform.signAgreement(person);
    Object.assign(tokens, { admin, ndrc: await platform.token('ndrc'), person, ...acting });
  });
  afterAll(() => platform?.stop());

  // Concurrently (vitest's maxConcurrency): each run keeps one core busy generating requests, while the API answering them needs little.
  for (const role of ['admin', 'agency', 'ndrc', 'person', 'civic-db', 'requester']) {
    it.concurrent(`gives no 5xx and no answer the document does not describe, with a token of the ${role} role`, async () => {
      const run = await fuzzApi({ apiUrl: platform.url, token: tokens[role]!, maxExamples: 15, seed: 20261201, hostile: true });
      expect(run.exitCode, run.output).toBe(0);
    }, 300_000);
  }

  describe('afterwards', () => {
    it('leaves no workflow failed or stuck, and every open task decidable by its party', async () => {
      const queue = `TaskQueue = "${platform.processEnv.TEMPORAL_TASK_QUEUE}"`;
      // A one-shot workflow refusing its caller's request (answered 4xx) ends failed by design; nothing else may.
      for await (const failed of platform.client.workflow.list({ query: `${queue} AND ExecutionStatus = "Failed"` })) {
        expect({ workflowId: failed.workflowId, ...(await failureOf(platform.client, failed.workflowId, failed.runId)) }).toMatchObject({ refusal: true });
      }
      expect((await platform.db.pool.query('SELECT workflow_id, reason FROM process_failures')).rows).toEqual([]);
      expect((await platform.client.workflow.count(`${queue} AND ExecutionStatus = "Running" AND TemporalReportedProblems IS NOT NULL`)).count).toBe(0);
      expect((await platform.db.pool.query('SELECT workflow_id, activity_type FROM activity_retries')).rows).toEqual([]);
      expect(await undecidableTasks(platform.db.pool, platform.client)).toEqual([]);
    });
  });
});
