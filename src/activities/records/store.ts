import type { Queryable } from '../../db/pool';
import { sharedBefore } from '../../db/record-store/lookups';
import { applyIdentityFacts, closeObligationShared, insertRecord, upsertPerson } from '../../db/record-store/writes';
import type { Severity, SharedRecord, ShareOutcome, SharerKind } from '../../domain/record';
import type { SlaStageSpec } from '../../domain/sla';
import { recordStageMetOnArrival, type SlaStageTimes } from '../shared/sla';

export interface StoreShareInput {
  /** The obligation's workflow id (`record-sharing/{sharer}/{reference}`), whether a workflow runs under it or not. */
  workflowId: string;
  /** Chosen by the caller, so a retried activity recognises the record it already stored. */
  recordId: string;
  sharerId: string;
  sharerKind: SharerKind;
  record: SharedRecord;
  /** The record's tier (recordTier), from the catalogue. */
  tier: Severity | null;
  sharedAt: string;
  late: boolean;
}

/**
 * Stores a shared record, idempotent on (sharer, reference), and in the same transaction
 * registers the person if new, closes the obligation and asks for the person's rescoring.
 * The share's checks ran at the API's edge (shareProblem): trusted here.
 */
export async function storeShare(db: Queryable, input: StoreShareInput, rescoredBy?: string): Promise<ShareOutcome> {
  const existing = await sharedBefore(db, input.sharerId, input.record, input.tier);
  if (existing) {
    const { id: recordId, version } = existing;
    // A retry of this very activity finds its own record: it was accepted.
    if (recordId === input.recordId) return { status: 'accepted', recordId, version, late: input.late, personId: existing.personId };
    return { status: existing.sameContent ? 'duplicate' : 'conflict', recordId, version };
  }
  return insertShare(db, input, rescoredBy);
}

async function insertShare(db: Queryable, input: StoreShareInput, rescoredBy?: string): Promise<ShareOutcome> {
  const { record } = input;
  const person = await upsertPerson(db, record.person);
  await insertRecord(db, {
    id: input.recordId,
    sharerId: input.sharerId,
    reference: record.reference,
    personId: person.id,
    category: record.category,
    typeCode: record.typeCode,
    tier: input.tier,
    source: input.sharerKind === 'provider' ? 'market-provider' : 'public-agency',
    formedOn: record.formedOn,
    sharedAt: input.sharedAt,
    late: input.late,
    details: record.details,
    evidence: record.evidence,
    attestation: record.attestation,
    changedBy: input.workflowId,
    ...(rescoredBy ? { rescoredBy } : {}),
  });
  if (record.category === 'identity') await applyIdentityFacts(db, [{ personId: person.id, typeCode: record.typeCode, details: record.details }]);
  await closeObligationShared(db, input.workflowId, input.late, input.sharedAt);
  return { status: 'accepted', recordId: input.recordId, version: 1, late: input.late, personId: person.id };
}

/** Where a share on time goes when its reference has an obligation row already. */
export type ObligationInTheWay = { state: 'open' } | { state: 'withdrawn' };

/**
 * A record shared on time with no obligation announced (Art. 10): nothing is left to wait for, so
 * it is taken without a workflow, in the caller's transaction. The obligation is written met,
 * with its SLA stage met (an agency's; a provider has no deadline), and the record stored as
 * storeShare does, its rescoring asked of `rescoredBy`. The obligation's key decides a race with
 * an announcement: an obligation announced first (open) takes the record through its workflow,
 * and a workflow started just after finds its obligation met (OBLIGATION_MET_BEFORE_OPENING).
 */
export async function storeShareOnTime(
  db: Queryable,
  input: StoreShareInput & { stage?: { spec: SlaStageSpec; stageKey: string; times: Omit<SlaStageTimes, 'state'> }; rescoredBy: string },
): Promise<ShareOutcome | ObligationInTheWay> {
  const existing = await sharedBefore(db, input.sharerId, input.record, input.tier);
  if (existing) return { status: existing.sameContent ? 'duplicate' : 'conflict', recordId: existing.id, version: existing.version };
  const opened = await db.query(
    `INSERT INTO obligations (workflow_id, sharer_id, reference, formed_on, state, shared_late, opened_at, closed_at)
     VALUES ($1, $2, $3, $4, 'shared', false, $5, $5) ON CONFLICT DO NOTHING`,
    [input.workflowId, input.sharerId, input.record.reference, input.record.formedOn, input.sharedAt],
  );
  if (opened.rowCount === 0) {
    const found = await db.query<{ state: 'open' | 'shared' | 'withdrawn' }>('SELECT state FROM obligations WHERE workflow_id = $1', [input.workflowId]);
    const state = found.rows[0]?.state ?? 'open';
    if (state !== 'shared') return { state };
    // The same share, sent at the same moment, was stored by the transaction that held the key.
    return storeShare(db, input, input.rescoredBy);
  }
  if (input.stage) {
    await recordStageMetOnArrival(db, {
      stageKey: input.stage.stageKey,
      workflowId: input.workflowId,
      spec: input.stage.spec,
      startDay: input.record.formedOn,
      at: input.sharedAt,
      times: input.stage.times,
    });
  }
  return insertShare(db, input, input.rescoredBy);
}
