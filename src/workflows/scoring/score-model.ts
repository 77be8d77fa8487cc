import { allHandlersFinished, condition, executeChild, patched, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { ScoringActivities } from '../../activities/scoring';
import { shanghaiDayOf, startOfShanghaiDay } from '../../domain/working-days';
import { cityWideStepOptions, requestedStepOptions } from '../shared/activity-options';
import { CurrentDetails } from '../shared/current-details';
import { Filing } from '../shared/filing';
import { rescoringRunSummary, rescoringRunWorkflowId, scheduleActivationUpdate, type ScoreModelChange, type ScoreModelChangeResult } from './contract';
import { rescoringRunWorkflow } from './rescoring-run';

const models = proxyActivities<ScoringActivities>(requestedStepOptions);
const cityWide = proxyActivities<ScoringActivities>(cityWideStepOptions);

/** 0.3.0: an activation whose effective day is later waits for it (Art. 13); before, every activation took effect at once. */
const ACTIVATION_ON_EFFECTIVE_DAY = 'model-activation-on-effective-day';
/** 0.3.0: a draft put to public comment is published with what it would change over the city (Art. 13). */
const IMPACT_WITH_PUBLIC_COMMENT = 'draft-impact-with-public-comment';

/**
 * Indicator models (Art. 13, 14): the commissioned institution drafts and puts a model to public
 * comment, anyone comments, NDRC activates it once the comment has ended, on its effective day
 * (the activation rescores every person in the scenario), and retirement. Workflow id
 * `score-model/{...}`.
 */
export async function scoreModelWorkflow(change: ScoreModelChange): Promise<ScoreModelChangeResult> {
  let effectiveFrom: string | undefined;
  const scheduling = new Filing(scheduleActivationUpdate, () => ({ modelId: change.kind === 'draft' ? '' : change.modelId, effectiveFrom: effectiveFrom ?? '' }));
  if (change.kind === 'draft') {
    const { modelId } = await models.createDraftModel({ ...change, requestId: workflowInfo().workflowId });
    return { modelId, status: 'draft' };
  }
  if (change.kind === 'comment') {
    await models.recordModelComment({ ...change, at: new Date().toISOString() });
    return { modelId: change.modelId, status: 'public-comment' };
  }
  const details = new CurrentDetails();
  if (change.to === 'active' && patched(ACTIVATION_ON_EFFECTIVE_DAY)) {
    // Checked and recorded first, and answered (update-with-start); then waited for, if its day is later.
    const scheduled = await scheduling.file(() => models.scheduleActivation({ modelId: change.modelId, effectiveFrom: change.effectiveFrom ?? shanghaiDayOf(new Date()) }));
    if (!scheduled) {
      // The refusal is the update's answer: it is sent before the workflow ends.
      await condition(allHandlersFinished);
      return { modelId: change.modelId, status: 'public-comment' };
    }
    effectiveFrom = scheduled.effectiveFrom;
    const from = startOfShanghaiDay(effectiveFrom);
    if (from.getTime() > Date.now()) {
      details.waitFor('effective-day', { what: { zh: `生效日 ${effectiveFrom}`, en: `the effective day, ${effectiveFrom}` }, until: from });
      await sleep(from.getTime() - Date.now());
      details.over('effective-day');
    }
  }
  const { scenario, status } = await models.transitionModel(change);
  if (status === 'public-comment' && patched(IMPACT_WITH_PUBLIC_COMMENT)) {
    details.waitFor('impact', { what: { zh: '测算草案对全市等级分布的影响', en: "the draft's impact on the city's levels to be computed" } });
    await cityWide.assessDraftImpact({ modelId: change.modelId });
    details.over('impact');
  }
  if (status !== 'active') return { modelId: change.modelId, status };
  details.waitFor('rescoring', { what: { zh: `场景 ${scenario} 的全员积分重算完成`, en: `the rescoring of everyone in scenario ${scenario} to finish` } });
  const onDay = shanghaiDayOf(new Date());
  const rescoring = await executeChild(rescoringRunWorkflow, {
    workflowId: rescoringRunWorkflowId(onDay, 'everyone', change.modelId),
    args: [{ scenarios: [scenario], selection: 'everyone' }],
    staticSummary: rescoringRunSummary(onDay, 'everyone', [scenario]),
  });
  details.end({ zh: `已生效，场景 ${scenario} 已全员重算`, en: `Active; everyone in scenario ${scenario} rescored` });
  return { modelId: change.modelId, status, rescoring, ...(effectiveFrom ? { effectiveFrom } : {}) };
}
