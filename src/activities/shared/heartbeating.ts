import { heartbeat } from '@temporalio/activity';

/** How often a long step says it is alive: well inside the heartbeat timeout of `heartbeatingStepOptions`. */
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Runs a long step, heartbeating meanwhile, so that a worker that dies halfway is noticed after
 * the step's heartbeat timeout (seconds) instead of its start-to-close timeout (minutes): the
 * fault proof found a batch waiting ten minutes for a chunk its killed worker had held.
 */
export async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  heartbeat();
  const timer = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
