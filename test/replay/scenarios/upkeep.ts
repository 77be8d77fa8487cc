import { exportJWK, generateKeyPair } from 'jose';
import { registerUpkeepWorkflowId, registerUpkeepWorkflowType } from '../../../src/workflows/register/contract';
import {
  nightlyRescoringWorkflowId,
  nightlyRescoringWorkflowType,
  rescorePersonWorkflowId,
  rescorePersonWorkflowType,
  rescoreRequestedSignal,
  rescoringRunWorkflowId,
  rescoringRunWorkflowType,
} from '../../../src/workflows/scoring/contract';
import { seedScoredPersons } from '../../support/scoring-fixtures';
import type { Driver, Resident } from '../driver';
import type { Scenario } from './scenario';

/** What rescore-person computes per run before it continues as new (its COMPUTATIONS_PER_RUN). */
const COMPUTATIONS_PER_RUN = 200;

/**
 * The platform's own upkeep and scoring: registrations, the calendar, incentives, partner cities,
 * repair rules, event rescoring (idle close and continue-as-new), the nightly run, a rescoring run
 * that continues as new between ranges, and a model's lifecycle (Art. 6, 13, 17, 19, 21, 22).
 */
export function upkeepScenario(): Scenario {
  let idle: Resident;
  const firstStarted = (d: Driver, prefix: string) => d.bed.started.find((start) => start.workflowId.startsWith(prefix))!.workflowId;
  const lastStarted = (d: Driver, prefix: string) => d.bed.started.filter((start) => start.workflowId.startsWith(prefix)).at(-1)!.workflowId;
  const taskQueue = 'replay-capture';

  return {
    async open(d) {
      await d.save(firstStarted(d, 'agency/'), 'agency-registration-completed');

      // A year the package lacks, loaded from its notice: every open clock is told.
      const loaded = await d.expect(
        await d.bed.call('POST', '/admin/calendar/years/2027', d.tokens.admin, {
          holidays: [{ day: '2027-01-01', name: "New Year's Day" }, { day: '2027-02-05', name: 'Spring Festival' }],
          makeUpWorkdays: [{ day: '2027-02-20', name: 'Spring Festival' }],
        }),
        202,
      );
      await d.save(`calendar/${loaded.body.changeId as string}`, 'calendar-change-load-year');
      const corrected = await d.expect(
        await d.bed.call('POST', '/admin/calendar/corrections', d.tokens.admin, { days: [{ day: '2027-02-09', isWorkingDay: false, note: 'extra rest day' }], reason: 'supplementary notice' }),
        202,
      );
      await d.save(`calendar/${corrected.body.changeId as string}`, 'calendar-change-correction');

      await d.expect(
        await d.bed.call('PUT', '/incentives/bike-deposit-free', d.tokens.police, {
          name: 'No bicycle deposit',
          benefitKind: 'deposit-free',
          benefit: 'No deposit for public bicycles',
          conditions: [{ kind: 'level-at-least', scenario: 'base', level: 'A' }],
          validFrom: '2026-01-01',
          validUntil: null,
        }),
        200,
      );
      await d.save(lastStarted(d, 'incentive/'), 'incentive-definition-completed');

      const { publicKey } = await generateKeyPair('ES256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'qd-2026', alg: 'ES256' };
      await d.expect(
        await d.bed.call('PUT', '/admin/partner-cities/qingdao', d.tokens.admin, { name: 'Qingdao', issuer: 'qingdao-credit-platform', jwks: { keys: [jwk] }, levelMapping: { 优: 'AA', 良: 'A', 差: 'C' } }),
        200,
      );
      await d.save(lastStarted(d, 'partner-city/'), 'partner-city-registered');

      const upkeep = await d.bed.client.workflow.start(registerUpkeepWorkflowType, { taskQueue, workflowId: registerUpkeepWorkflowId(taskQueue), args: [] });
      await d.save(upkeep, 'register-upkeep-completed');

      // Event rescoring waits for the next request; it closes when none comes.
      idle = await d.resident();
      await d.save(rescorePersonWorkflowId(idle.personId), 'rescore-person-waiting');

      // A person whose records change more often than one run computes: the run continues as new.
      const busy = await d.resident();
      const handle = d.bed.client.workflow.getHandle(rescorePersonWorkflowId(busy.personId));
      const firstRun = (await handle.describe()).runId;
      for (let i = 0; (await handle.describe()).runId === firstRun; i += 1) {
        if (i > COMPUTATIONS_PER_RUN + 5) throw new Error('rescore-person never continued as new');
        await d.bed.client.workflow.signalWithStart(rescorePersonWorkflowType, {
          taskQueue,
          workflowId: rescorePersonWorkflowId(busy.personId),
          args: [{ personId: busy.personId }],
          signal: rescoreRequestedSignal,
          signalArgs: [{ reason: 'record-added' }],
        });
        await d.bed.rest(handle);
      }
      await d.save(d.bed.client.workflow.getHandle(rescorePersonWorkflowId(busy.personId), firstRun), 'rescore-person-continued-as-new');
      await d.save(handle, 'rescore-person-after-continue-as-new');

      // A rescoring run of 21 ranges of one person: it continues as new after 20.
      await seedScoredPersons(d.bed.pool, 30);
      const run = await d.bed.client.workflow.start(rescoringRunWorkflowType, {
        taskQueue,
        workflowId: 'rescore-full/replay-ranges',
        args: [{ selection: 'everyone', pageSize: 1, rangesInFlight: 1 }],
      });
      await d.save(d.bed.client.workflow.getHandle(run.workflowId, run.firstExecutionRunId), 'rescoring-run-continued-as-new');
      await d.save(run.workflowId, 'rescoring-run-completed-after-continue-as-new');

      const nightly = await d.bed.client.workflow.start(nightlyRescoringWorkflowType, { taskQueue, workflowId: nightlyRescoringWorkflowId(taskQueue), args: [] });
      await d.save(nightly, 'nightly-rescoring-completed');
      await d.save(rescoringRunWorkflowId(d.today, 'due'), 'rescoring-run-due-completed');

      // A new model: drafted, put to public comment.
      const current = await d.bed.pool.query(`SELECT definition FROM score_models WHERE id = 'base-v1'`);
      const definition = current.rows[0].definition;
      definition.rules['administrative-penalty'].points = -60;
      await d.expect(await d.bed.call('POST', '/models', d.tokens.institution, { scenario: 'base', description: 'Penalties weigh double', definition }), 201);
      await d.save(lastStarted(d, 'score-model/'), 'score-model-drafted');
      await d.expect(await d.bed.call('POST', '/models/base-v2/transitions', d.tokens.institution, { to: 'public-comment', commentUntil: d.today }), 200);
      await d.save(lastStarted(d, 'score-model/'), 'score-model-public-comment');
      await d.expect(await d.bed.call('POST', '/models/base-v2/comments', d.tokens.institution, { comment: 'A comment during the public comment' }), 201);
      await d.save(lastStarted(d, 'score-model/'), 'score-model-comment');
    },
    async closing(d) {
      await d.save(rescorePersonWorkflowId(idle.personId), 'rescore-person-closed-when-idle');

      // Its comment period over (the API and activities keep the wall clock's day, not the capture's), NDRC activates it (0.3.0).
      await d.bed.pool.query(`UPDATE score_models SET comment_until = comment_until - 1 WHERE id = 'base-v2'`);
      await d.expect(await d.bed.call('POST', '/models/base-v2/transitions', d.tokens.ndrc, { to: 'active' }), 200);
      await d.save(lastStarted(d, 'score-model/'), 'score-model-activated');

      const [rules] = (await d.bed.call('GET', '/repair-rules', d.tokens.ndrc)).body.versions as { definition: { routes: { volunteering: { tiers: { general: { threshold: number } } } } } }[];
      const definition = structuredClone(rules!.definition);
      definition.routes.volunteering.tiers.general.threshold = 16;
      await d.expect(await d.bed.call('POST', '/repair-rules', d.tokens.ndrc, { definition, description: 'general records: 16 volunteer hours' }), 201);
      await d.save(lastStarted(d, 'repair-rules/'), 'repair-rules-published');
    },
  };
}
