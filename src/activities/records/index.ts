import type pg from 'pg';
import { withTransaction } from '../../db/transaction';
import { loadCatalogue } from '../../db/record-store/catalogue';
import type { RecordChange, RecordChanged, SharedRecord, ShareOutcome, SharerKind } from '../../domain/record';
import { recordTier } from '../../domain/record-types';
import { RECORD_CONFLICT, RECORD_REFUSED } from '../../workflows/records/contract';
import { RECORD_NOT_FOUND, refusal } from '../../workflows/shared/contract';
import { applyRecordChange, closeObligationShared } from '../../db/record-store/writes';
import { storeShare } from './store';

export interface StoreSharedRecordInput {
  workflowId: string;
  /** Chosen by the workflow, so a retried activity recognises the record it already stored. */
  recordId: string;
  sharerId: string;
  sharerKind: SharerKind;
  record: SharedRecord;
  sharedAt: string;
  late: boolean;
}

/** An obligation as its first step finds it: open, or met already by a share taken without a workflow. */
export type OpenedObligation = { state: 'open' | 'withdrawn'; recordId: null; late: null } | { state: 'shared'; recordId: string; late: boolean };

/** Activities of the credit records (Art. 8-10). Every one is idempotent. */
export function createRecordActivities({ pool }: { pool: pg.Pool }) {
  return {
    async openObligation(input: { workflowId: string; sharerId: string; reference: string; formedOn: string; openedAt: string }): Promise<OpenedObligation> {
      await pool.query(
        `INSERT INTO obligations (workflow_id, sharer_id, reference, formed_on, state, opened_at)
         VALUES ($1, $2, $3, $4, 'open', $5) ON CONFLICT (workflow_id) DO NOTHING`,
        [input.workflowId, input.sharerId, input.reference, input.formedOn, input.openedAt],
      );
      const found = await pool.query<{ state: OpenedObligation['state']; record_id: string | null; shared_late: boolean | null }>(
        `SELECT o.state, r.id AS record_id, o.shared_late FROM obligations o
         LEFT JOIN records r ON r.sharer_id = o.sharer_id AND r.reference = o.reference
         WHERE o.workflow_id = $1`,
        [input.workflowId],
      );
      const row = found.rows[0]!;
      return row.state === 'shared' && row.record_id
        ? { state: 'shared', recordId: row.record_id, late: row.shared_late ?? false }
        : { state: row.state === 'shared' ? 'open' : row.state, recordId: null, late: null };
    },

    async withdrawObligation(input: { workflowId: string; reason: string; at: string }): Promise<void> {
      await pool.query(
        `UPDATE obligations SET state = 'withdrawn', withdrawn_reason = $2, closed_at = $3 WHERE workflow_id = $1 AND state = 'open'`,
        [input.workflowId, input.reason, input.at],
      );
    },

    /** An obligation whose record arrived in a bulk batch: the batch stored it, the obligation closes. */
    async closeObligationShared(input: { workflowId: string; late: boolean; at: string }): Promise<void> {
      await closeObligationShared(pool, input.workflowId, input.late, input.at);
    },

    /**
     * A share through the obligation's workflow, stored as storeShare does. The workflow closes
     * its obligation whatever the outcome, and so does the obligation's row: a record shared
     * before under the reference (by a bulk batch, which opens no obligation) answers it.
     */
    async storeSharedRecord(input: StoreSharedRecordInput): Promise<ShareOutcome> {
      return withTransaction<ShareOutcome>(pool, async (db) => {
        // The share's checks ran at the API's edge (shareProblem), its schema again in the update's validator: trusted here.
        const tier = recordTier((await loadCatalogue(db)).get(input.record.typeCode)!, input.record);
        const outcome = await storeShare(db, { ...input, tier });
        if (outcome.status !== 'accepted') await closeObligationShared(db, input.workflowId, input.late, input.sharedAt);
        return outcome;
      });
    },

    /** A correction or revocation by the sharer (Art. 8-10); a change the record cannot take is refused. */
    async changeRecord(input: RecordChange & { workflowId: string; at: string }): Promise<RecordChanged> {
      const outcome = await withTransaction(pool, (db) => applyRecordChange(db, input));
      if (outcome.status === 'changed') return outcome;
      const type = { 'not-found': RECORD_NOT_FOUND, conflict: RECORD_CONFLICT, invalid: RECORD_REFUSED }[outcome.code];
      throw refusal(type, outcome.reason, outcome.field === 'reference' ? 'reference' : `body.${outcome.field}`);
    },
  };
}

export type RecordActivities = ReturnType<typeof createRecordActivities>;
