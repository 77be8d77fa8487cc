import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { replayDataConverter } from './fixture-key';
import type { StoredHistory } from './corpus';

/** How a stored history replayed: `null` when it did, else what a developer needs to find the break. */
export type ReplayOutcome = { file: string; release: string; workflowType: string; failure: string | null };

/**
 * Replays stored histories against a workflow bundle, as a worker of that code would when it
 * picks up a running instance after a deploy. A nondeterminism is reported with the workflow
 * type, the file, and the first history event the code did not match.
 */
export async function replay(workflowBundle: WorkflowBundleWithSourceMap, histories: StoredHistory[]): Promise<ReplayOutcome[]> {
  const byId = new Map(histories.map((stored) => [stored.workflowId, stored]));
  const outcomes: ReplayOutcome[] = [];
  const results = Worker.runReplayHistories(
    { workflowBundle, dataConverter: replayDataConverter(), replayName: 'replay-corpus' },
    histories.map((stored) => ({ workflowId: stored.workflowId, history: stored.history })),
  );
  const failed: { stored: StoredHistory; error: Error }[] = [];
  for await (const result of results) {
    const stored = byId.get(result.workflowId)!;
    if (result.error) failed.push({ stored, error: result.error });
    outcomes.push({ file: stored.file, release: stored.release, workflowType: stored.workflowType, failure: null });
  }
  for (const { stored, error } of failed) {
    const outcome = outcomes.find((candidate) => candidate.release === stored.release && candidate.file === stored.file)!;
    const event = await firstDifferingEvent(workflowBundle, stored);
    const first = event ? `; first differing event: #${String(event.eventId)} ${eventName(event as Record<string, unknown>)}` : '';
    outcome.failure = `${stored.workflowType} in ${stored.release}/${stored.file}: ${error.name}${first}\n${error.message}`;
  }
  return outcomes;
}

/**
 * The first event of the history that the code does not reproduce: the last event of the
 * shortest prefix that fails to replay (a prefix fails once it holds the first mismatch, and
 * every longer one fails too), found by bisection.
 */
async function firstDifferingEvent(workflowBundle: WorkflowBundleWithSourceMap, stored: StoredHistory) {
  const events = stored.history.events ?? [];
  const fails = async (length: number) => {
    try {
      await Worker.runReplayHistory({ workflowBundle, dataConverter: replayDataConverter(), replayName: 'replay-bisect' }, { events: events.slice(0, length) }, stored.workflowId);
      return false;
    } catch {
      return true;
    }
  };
  let [passing, failing] = [1, events.length];
  if (!(await fails(failing))) return undefined;
  while (failing - passing > 1) {
    const middle = Math.floor((passing + failing) / 2);
    if (await fails(middle)) failing = middle;
    else passing = middle;
  }
  return events[failing - 1];
}

/** The event's kind, named by its attributes field (`activityTaskScheduledEventAttributes` -> ActivityTaskScheduled) and, for an activity, its type. */
function eventName(event: Record<string, unknown>): string {
  const attributes = Object.keys(event).find((key) => key.endsWith('EventAttributes') && event[key]);
  if (!attributes) return 'event';
  const name = attributes.replace(/EventAttributes$/, '');
  const details = event[attributes] as { activityType?: { name?: string }; markerName?: string; signalName?: string; timerId?: string };
  const what = details.activityType?.name ?? details.markerName ?? details.signalName ?? (details.timerId ? `timer ${details.timerId}` : undefined);
  return `${name[0]!.toUpperCase()}${name.slice(1)}${what ? ` (${what})` : ''}`;
}
