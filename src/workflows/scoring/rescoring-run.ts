import {
  ApplicationFailure,
  continueAsNew,
  executeChild,
  proxyLocalActivities,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ScoringActivities } from '../../activities/scoring';
import { shanghaiDayOf } from '../../domain/working-days';
import { heartbeatingStepOptions, localDatabaseStepOptions } from '../shared/activity-options';
import { CreditProcessKey } from '../shared/contract';
import { CurrentDetails } from '../shared/current-details';
import {
  NO_ACTIVE_MODEL,
  rescoreProgressQuery,
  rescoringRunSummary,
  rescoringRunWorkflowId,
  SELECTION_WORDS,
  type RescoreProgress,
  type RescoringRunInput,
  type RunSummary,
} from './contract';

const scoring = proxyLocalActivities<ScoringActivities>(localDatabaseStepOptions);

/** Persons per activity: one set-based statement per scenario over this many persons. */
const DEFAULT_PAGE_SIZE = 50_000;
/** Ranges per run before continuing as new, keeping each history small. */
const RANGES_PER_RUN = 20;
const DEFAULT_RANGES_IN_FLIGHT = 2;
const FIRST_ID = '00000000-0000-0000-0000-000000000000';

/**
 * A rescoring run (Art. 6): everyone (a model's activation) or the persons due on the day (the
 * nightly run: those whose score could have changed by then without a new record), in id ranges,
 * each range an activity that heartbeats, `rangesInFlight` at a time, spread over every worker;
 * continue-as-new between batches of ranges; resumes after a worker crash from the last finished
 * range without redoing or double-writing. Workflow id `rescore-full/{day}` or `rescore-due/{day}`.
 */
export async function rescoringRunWorkflow(input: RescoringRunInput = {}): Promise<RunSummary> {
  const runId = workflowInfo().workflowId;
  const details = new CurrentDetails();
  const onDay = input.onDay ?? shanghaiDayOf(new Date());
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const rangesInFlight = input.rangesInFlight ?? DEFAULT_RANGES_IN_FLIGHT;
  const rangeHeartbeatTimeout = input.rangeHeartbeatTimeout ?? '1 minute';
  // A range whose worker stopped is retried elsewhere once its heartbeats stop for this long.
  const ranging = proxyActivities<ScoringActivities>(heartbeatingStepOptions(rangeHeartbeatTimeout, '10 minutes'));
  let after = input.after ?? FIRST_ID;
  const progress: RescoreProgress = input.progress ?? { ranges: 0, persons: 0, scored: 0, levelChanges: 0 };
  setHandler(rescoreProgressQuery, () => ({ ...progress, onDay, after }));
  upsertSearchAttributes([{ key: CreditProcessKey, value: 'rescoring' }]);

  const scenarios = input.scenarios ?? (await scoring.activeScenarios());
  if (scenarios.length === 0) throw ApplicationFailure.nonRetryable('No scenario has an active model', NO_ACTIVE_MODEL);
  // Opening the run fixes whom it rescores; a run continued as new carries that on.
  const selection = input.after
    ? (input.selection ?? 'everyone')
    : (await scoring.openRescoringRun({ runId, scenarios, onDay, selection: input.selection ?? 'everyone', startedAt: new Date().toISOString() })).selection;

  const showProgress = () =>
    details.say({
      zh: `${onDay} 的积分重算（${SELECTION_WORDS[selection].zh}）：已完成 ${progress.ranges} 段，计分 ${progress.scored} 人次·场景，等级变化 ${progress.levelChanges} 次。`,
      en: `Scored ${progress.scored} person-scenarios (${SELECTION_WORDS[selection].en}) in ${progress.ranges} ranges for ${onDay}; ${progress.levelChanges} level changes.`,
    });
  showProgress();

  const { ranges, more } = await scoring.planRanges({ runId, selection, after, pageSize, ranges: RANGES_PER_RUN });
  for (let i = 0; i < ranges.length; i += rangesInFlight) {
    const results = await Promise.all(ranges.slice(i, i + rangesInFlight).map((range) => ranging.rescoreRange({ runId, selection, scenarios, onDay, ...range })));
    for (const result of results) {
      progress.ranges += 1;
      progress.persons += result.persons;
      progress.scored += result.scored;
      progress.levelChanges += result.levelChanges;
    }
    after = results.at(-1)!.upTo;
    showProgress();
  }
  // Only a run with persons left continues, as new: a run that continues within a second of its
  // start waits out that second on the server before its next task.
  if (!more) return scoring.finishRescoringRun({ runId, at: new Date().toISOString() });
  // The next run has no static summary (continueAsNew takes none in SDK 1.24); its current details carry the progress on.
  return continueAsNew<typeof rescoringRunWorkflow>({ onDay, selection, scenarios, pageSize, rangesInFlight, rangeHeartbeatTimeout, after, progress });
}

/**
 * What the nightly Schedule starts: the day's run of the due as `rescore-due/{day}`, once a day
 * however often the Schedule is triggered.
 */
export async function nightlyRescoringWorkflow(): Promise<RunSummary | 'already-run'> {
  const onDay = shanghaiDayOf(new Date());
  const details = new CurrentDetails();
  details.waitFor('run', { what: { zh: `${onDay} 的应重算者积分重算完成`, en: `the rescoring run of those due on ${onDay} to finish` } });
  try {
    const summary = await executeChild(rescoringRunWorkflow, {
      workflowId: rescoringRunWorkflowId(onDay, 'due'),
      args: [{ onDay, selection: 'due' }],
      staticSummary: rescoringRunSummary(onDay, 'due'),
    });
    details.end({ zh: `已完成：计分 ${summary.personsScored} 人`, en: `Done: ${summary.personsScored} persons scored` });
    return summary;
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    details.end({ zh: '当日已运行过，未再启动', en: 'Already run today: nothing started' });
    return 'already-run';
  }
}
