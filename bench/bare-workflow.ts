/**
 * The least a share through Temporal can cost, for `bench:api`'s baseline: a workflow started by
 * update-with-start whose update runs one local activity inserting a row, answered once it is
 * committed. Run by bench/bare-worker.ts on its own task queue; nothing of the platform's.
 */
import { condition, defineUpdate, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { BareActivities } from './bare-worker';

const { insertBareShare } = proxyLocalActivities<BareActivities>({ startToCloseTimeout: '10 seconds' });

export const bareShareUpdate = defineUpdate<'stored', [string]>('bareShare');

export async function bareShareWorkflow(): Promise<void> {
  let stored = false;
  setHandler(bareShareUpdate, async (personId) => {
    await insertBareShare(personId);
    stored = true;
    return 'stored' as const;
  });
  await condition(() => stored);
}
