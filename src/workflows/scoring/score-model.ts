import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ScoringActivities } from '../../activities/scoring';
import { shanghaiDayOf } from '../../domain/working-days';
import { requestedStep } from '../shared/activity-options';
import { CurrentDetails } from '../shared/current-details';
import { rescoringRunSummary, rescoringRunWorkflowId, type ScoreModelChange, type ScoreModelChangeResult } from './contract';
import { rescoringRunWorkflow } from './rescoring-run';

const models = proxyActivities<ScoringActivities>(requestedStep);

/**
 * The institution manages indicator models (Art. 13, 14): a draft, public comment, activation
 * (which rescores every person in the scenario) and retirement. Workflow id `score-model/{...}`.
 */
export async function scoreModelWorkflow(change: ScoreModelChange): Promise<ScoreModelChangeResult> {
  if (change.kind === 'draft') {
    const { modelId } = await models.createDraftModel({ ...change, requestId: workflowInfo().workflowId });
    return { modelId, status: 'draft' };
  }
  const { scenario, status } = await models.transitionModel(change);
  if (status !== 'active') return { modelId: change.modelId, status };
  const details = new CurrentDetails();
  details.waitFor('rescoring', { what: { zh: `场景 ${scenario} 的全员积分重算完成`, en: `the rescoring of everyone in scenario ${scenario} to finish` } });
  const onDay = shanghaiDayOf(new Date());
  const rescoring = await executeChild(rescoringRunWorkflow, {
    workflowId: rescoringRunWorkflowId(onDay, 'everyone', change.modelId),
    args: [{ scenarios: [scenario], selection: 'everyone' }],
    staticSummary: rescoringRunSummary(onDay, 'everyone', [scenario]),
  });
  details.end({ zh: `已生效，场景 ${scenario} 已全员重算`, en: `Active; everyone in scenario ${scenario} rescored` });
  return { modelId: change.modelId, status, rescoring };
}
