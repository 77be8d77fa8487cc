import { proxyActivities } from '@temporalio/workflow';
import type { DeclarationActivities } from '../../activities/declaration';
import { requestedStepOptions } from '../shared/activity-options';
import type { DeclarationRoute } from './contract';

const declarations = proxyActivities<DeclarationActivities>(requestedStepOptions);

/**
 * Art. 11: NDRC names the competent agency that verifies declarations of a type (for one issuer,
 * or any). Declarations filed from then on are routed by it. Workflow id `declaration-route/{changeId}`.
 */
export async function declarationRouteWorkflow(route: DeclarationRoute): Promise<DeclarationRoute & { setAt: string }> {
  return declarations.setDeclarationRoute({ ...route, at: new Date().toISOString() });
}
