import { Context } from '@temporalio/activity';
import type pg from 'pg';
import { RESCORE_REQUESTED_CHANNEL, scoreOnRequest } from '../../db/scores';

/** Persons scored by one statement per scenario: a burst of shares is answered in a few. */
const PERSONS_PER_ANSWER = 500;
/** A request written while the notice was missed (a connection lost and made again) waits at most this long. */
const LOOK_AGAIN_MS = 5_000;

/**
 * Answers the rescoring requests (Art. 6) that a change stored with its record: the event path
 * of a share taken without a workflow. One long attempt listens on Postgres for new requests and
 * scores the persons asking, many at a time, until `forMs` has passed; it heartbeats, so a dead
 * worker's attempt is taken over, and ends at once when cancelled (the worker stopping). A request
 * stays in `rescore_requests` until a scoring answers it, so nothing is lost between attempts, and
 * the night's run of the due answers any left.
 */
export function createRescoreRequestActivities({ pool }: { pool: pg.Pool }) {
  async function answerPending(computedBy: string): Promise<number> {
    let answered = 0;
    for (;;) {
      const pending = await pool.query<{ person_id: string }>(
        'SELECT DISTINCT person_id FROM rescore_requests WHERE answered_at IS NULL LIMIT $1',
        [PERSONS_PER_ANSWER],
      );
      if (pending.rows.length === 0) return answered;
      await scoreOnRequest(pool, { personIds: pending.rows.map((row) => row.person_id), computedBy });
      answered += pending.rows.length;
      Context.current().heartbeat(answered);
    }
  }

  return {
    async answerRescoreRequests(input: { forMs: number }): Promise<{ persons: number }> {
      const context = Context.current();
      const { workflowExecution, attempt, activityId } = context.info;
      const computedBy = workflowExecution ? `${workflowExecution.workflowId}#${workflowExecution.runId}/${activityId}.${attempt}` : `rescore-requests/${activityId}.${attempt}`;
      const listener = await pool.connect();
      let wake: (() => void) | undefined;
      let noticed: boolean | undefined;
      const onNotice = () => {
        noticed = true;
        wake?.();
      };
      listener.on('notification', onNotice);
      let broken: Error | undefined;
      const onBroken = (error: Error) => {
        broken = error;
        wake?.();
      };
      listener.on('error', onBroken);
      const until = Date.now() + input.forMs;
      let persons = 0;
      try {
        await listener.query(`LISTEN ${RESCORE_REQUESTED_CHANNEL}`);
        const cancelled = context.cancelled.catch(() => undefined);
        while (Date.now() < until && !context.cancellationSignal.aborted) {
          if (broken) throw broken;
          noticed = false;
          persons += await answerPending(computedBy);
          context.heartbeat(persons);
          if (noticed) continue;
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            cancelled,
            new Promise<void>((resolve) => {
              wake = resolve;
              timer = setTimeout(resolve, Math.min(LOOK_AGAIN_MS, Math.max(0, until - Date.now())));
            }),
          ]);
          clearTimeout(timer);
          wake = undefined;
        }
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
        return { persons };
      } finally {
        listener.off('notification', onNotice);
        if (!broken) await listener.query(`UNLISTEN ${RESCORE_REQUESTED_CHANNEL}`).catch((error: Error) => (broken = error));
        listener.off('error', onBroken);
        listener.release(broken);
      }
    },
  };
}

export type RescoreRequestActivities = ReturnType<typeof createRescoreRequestActivities>;
