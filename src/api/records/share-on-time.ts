import { randomUUID } from 'node:crypto';
import { storeShareOnTime } from '../../activities/records/store';
import { isUniqueViolation, refusedForGood } from '../../activities/shared/permanent-failures';
import { stageTimes } from '../../activities/shared/sla';
import { withTransaction } from '../../db/transaction';
import type { Severity, SharedRecord, ShareOutcome, SharerKind } from '../../domain/record';
import { obligationWorkflowId, shareRecordStage } from '../../workflows/records/contract';
import { rescoreRequestsWorkflowId } from '../../workflows/scoring/contract';
import { ApiError } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';

/** Attempts at storing a share while another writer stores the same reference. */
const STORE_ATTEMPTS = 3;

/**
 * A share that needs no workflow (docs/records.md "Where a share needs a workflow"): a provider's
 * record (no deadline), or an agency's on time with no obligation announced. It is stored, its
 * obligation and SLA stage written met and its rescoring asked, in one transaction, answered once
 * committed. Undefined when the share has something to wait for or to flag: an obligation
 * announced and open, or a late share, whose breach a clock flags and escalates.
 */
export async function shareOnTime(
  deps: ApiDependencies,
  sharer: { id: string; kind: SharerKind },
  record: SharedRecord,
  tier: Severity | null,
): Promise<ShareOutcome | undefined> {
  const sharedAt = new Date();
  let stage: Parameters<typeof storeShareOnTime>[1]['stage'];
  if (sharer.kind === 'agency') {
    const spec = shareRecordStage(sharer.id);
    const times = await stageTimes(deps.pool, record.formedOn, spec.workingDays);
    if (sharedAt > new Date(times.dueAt)) return undefined;
    stage = { spec, stageKey: randomUUID(), times };
  }
  const store = () =>
    withTransaction(deps.pool, (db) =>
      storeShareOnTime(db, {
        workflowId: obligationWorkflowId(sharer.id, record.reference),
        recordId: randomUUID(),
        sharerId: sharer.id,
        sharerKind: sharer.kind,
        record,
        tier,
        sharedAt: sharedAt.toISOString(),
        late: false,
        ...(stage ? { stage } : {}),
        rescoredBy: rescoreRequestsWorkflowId(deps.taskQueue),
      }),
    );
  let stored: Awaited<ReturnType<typeof store>> | undefined;
  for (let attempt = 1; !stored; attempt += 1) {
    try {
      stored = await store();
    } catch (error) {
      // A bulk batch stored the same reference meanwhile: the next attempt finds its record.
      if (isUniqueViolation(error) && attempt < STORE_ATTEMPTS) continue;
      const refused = refusedForGood(error);
      // The edge's checks should have refused it; as an activity would, it is refused for good, and nothing was written.
      if (refused !== undefined) throw new ApiError(422, 'refused', refused, 'body');
      throw error;
    }
  }
  if ('status' in stored) return stored;
  if (stored.state === 'withdrawn') throw new ApiError(409, 'obligation-closed', `The obligation for ${record.reference} was withdrawn`, 'body.reference');
  return undefined;
}
