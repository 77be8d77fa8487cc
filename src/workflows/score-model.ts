import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DraftModel, ModelActivities, ModelTransition } from '../activities/models';
import type { RunSummary } from '../activities/scoring';
import { shanghaiDayOf } from '../domain/working-days';
import { rescoreFullWorkflow } from './rescore-full';

const models = proxyActivities<ModelActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export type ScoreModelChange = ({ kind: 'draft' } & DraftModel) | ({ kind: 'transition' } & ModelTransition);

export interface ScoreModelChangeResult {
  modelId: string;
  status: string;
  /** Activation rescores the scenario at once (Art. 13). */
  rescoring?: RunSummary;
}

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
  const rescoring = await executeChild(rescoreFullWorkflow, {
    workflowId: `rescore-full/${shanghaiDayOf(new Date())}/${change.modelId}`,
    args: [{ scenarios: [scenario] }],
  });
  return { modelId: change.modelId, status, rescoring };
}
