import { Context, log } from '@temporalio/activity';
import type pg from 'pg';
import { RESCORE_REQUESTED_CHANNEL, scoreOnRequest } from '../../db/scores';
import { refusedForGood } from '../shared/permanent-failures';

/** Requests answered by one statement per scenario: a burst of shares is answered in a few. */
const REQUESTS_PER_ANSWER = 500;
/** A request written while the notice was missed (a connection lost and made again) waits at most this long. */
const LOOK_AGAIN_MS = 5_000;

interface PendingRequest {
  id: string;
  person_id: string;
}

/**
 * Answers the rescoring requests (Art. 6) addressed to the calling workflow, `rescore-requests/{taskQueue}`:
 * those a share taken without a workflow stored with its record. One long attempt listens on
 * Postgres for new requests and scores the persons asking, many at a time, until `forMs` has
 * passed or it is cancelled (the worker stopping); it heartbeats, so a dead worker's attempt is
 * taken over. A request stays in `rescore_requests` until a scoring answers it, so nothing is lost
 * between attempts, and the night's run of the due answers any left. A person whose scoring
 * Postgres refuses for good is set aside with the reason, unanswered, so the others still are.
 */
export function createRescoreRequestActivities({ pool }: { pool: pg.Pool }) {
  async function setAside(requests: PendingRequest[], reason: string): Promise<void> {
    await pool.query('UPDATE rescore_requests SET set_aside = $2 WHERE id = ANY($1::text[]) AND answered_at IS NULL', [requests.map((r) => r.id), reason]);
    // The person by their platform id and the SQLSTATE: no personal data.
    log.warn('a rescoring request was set aside: Postgres refused the scoring for good', { personId: requests[0]!.person_id, reason });
  }

  /** Scores the persons of the requests and answers exactly these; on a data error, person by person, setting aside who cannot be scored. */
  async function answer(requests: PendingRequest[], computedBy: string): Promise<void> {
    const score = (part: PendingRequest[], by: string) =>
      scoreOnRequest(pool, { personIds: [...new Set(part.map((r) => r.person_id))], computedBy: by, requestIds: part.map((r) => r.id) });
    try {
      await score(requests, computedBy);
    } catch (error) {
      if (refusedForGood(error) === undefined) throw error;
      const byPerson = new Map<string, PendingRequest[]>();
      for (const request of requests) {
        const own = byPerson.get(request.person_id);
        if (own) own.push(request);
        else byPerson.set(request.person_id, [request]);
      }
      for (const [personId, own] of byPerson) {
        try {
          await score(own, `${computedBy}/${personId}`);
        } catch (personError) {
          const reason = refusedForGood(personError);
          if (reason === undefined) throw personError;
          await setAside(own, reason);
        }
      }
    }
  }

  return {
    async answerRescoreRequests(input: { forMs: number }): Promise<{ requests: number }> {
      const context = Context.current();
      const { workflowExecution, attempt, activityId } = context.info;
      const answeredBy = workflowExecution?.workflowId ?? 'rescore-requests';
      // Each scoring its own name: a person's history and level-change notices are keyed by it.
      let scorings = 0;
      const nextName = () => `${answeredBy}#${workflowExecution?.runId ?? ''}/${activityId}.${attempt}.${(scorings += 1)}`;
      const until = Date.now() + input.forMs;
      const going = () => Date.now() < until && !context.cancellationSignal.aborted;

      const listener = await pool.connect();
      let wake: (() => void) | undefined;
      let noticed: boolean | undefined;
      let broken: Error | undefined;
      const onNotice = () => {
        noticed = true;
        wake?.();
      };
      const onBroken = (error: Error) => {
        broken = error;
        wake?.();
      };
      const onCancelled = () => wake?.();
      listener.on('notification', onNotice);
      listener.on('error', onBroken);
      context.cancellationSignal.addEventListener('abort', onCancelled);
      let requests = 0;
      try {
        await listener.query(`LISTEN ${RESCORE_REQUESTED_CHANNEL}`);
        while (going()) {
          if (broken) throw broken;
          noticed = false;
          // Until none is left, but never past the attempt's end: under steady shares some always are.
          for (let answered = REQUESTS_PER_ANSWER; answered === REQUESTS_PER_ANSWER && going(); ) {
            const pending = await pool.query<PendingRequest>(
              'SELECT id, person_id FROM rescore_requests WHERE answered_by = $1 AND answered_at IS NULL AND set_aside IS NULL ORDER BY requested_at LIMIT $2',
              [answeredBy, REQUESTS_PER_ANSWER],
            );
            answered = pending.rows.length;
            if (answered > 0) await answer(pending.rows, nextName());
            requests += answered;
            context.heartbeat(requests);
          }
          if (noticed || !going()) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(LOOK_AGAIN_MS, Math.max(0, until - Date.now())));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
        return { requests };
      } finally {
        context.cancellationSignal.removeEventListener('abort', onCancelled);
        listener.off('notification', onNotice);
        if (!broken) await listener.query(`UNLISTEN ${RESCORE_REQUESTED_CHANNEL}`).catch((error: Error) => (broken = error));
        listener.off('error', onBroken);
        listener.release(broken);
      }
    },
  };
}

export type RescoreRequestActivities = ReturnType<typeof createRescoreRequestActivities>;
