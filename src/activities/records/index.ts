import type pg from 'pg';
import { withTransaction } from '../../db/transaction';
import { loadCatalogue } from '../../db/record-store/catalogue';
import { sharedBefore } from '../../db/record-store/lookups';
import type { RecordChange, RecordChanged, SharedRecord, ShareOutcome, SharerKind } from '../../domain/record';
import { recordTier } from '../../domain/record-types';
import { RECORD_CONFLICT, RECORD_REFUSED } from '../../workflows/records/contract';
import { RECORD_NOT_FOUND, refusal } from '../../workflows/shared/contract';
import { applyIdentityFacts, applyRecordChange, closeObligationShared, insertRecord, upsertPerson } from '../../db/record-store/writes';

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

/** Activities of the credit records (Art. 8-10). Every one is idempotent. */
export function createRecordActivities({ pool }: { pool: pg.Pool }) {
  return {
    async openObligation(input: { workflowId: string; sharerId: string; reference: string; formedOn: string; openedAt: string }): Promise<void> {
      await pool.query(
        `INSERT INTO obligations (workflow_id, sharer_id, reference, formed_on, state, opened_at)
         VALUES ($1, $2, $3, $4, 'open', $5) ON CONFLICT (workflow_id) DO NOTHING`,
        [input.workflowId, input.sharerId, input.reference, input.formedOn, input.openedAt],
      );
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
     * Stores a shared record, idempotent on (sharer, reference), and in the same transaction
     * registers the person if new, closes the obligation, tells the person and asks for rescoring.
     */
    async storeSharedRecord(input: StoreSharedRecordInput): Promise<ShareOutcome> {
      return withTransaction<ShareOutcome>(pool, async (db) => {
        const { record } = input;
        // The share's checks ran at the API's edge (shareProblem), its schema again in the update's validator: trusted here.
        const catalogue = await loadCatalogue(db);
        const tier = recordTier(catalogue.get(record.typeCode)!, record);
        const existing = await sharedBefore(db, input.sharerId, record, tier);
        if (existing) {
          const { id: recordId, version } = existing;
          // A retry of this very activity finds its own record: it was accepted.
          if (recordId === input.recordId) return { status: 'accepted', recordId, version, late: input.late, personId: existing.personId };
          return { status: existing.sameContent ? 'duplicate' : 'conflict', recordId, version };
        }

        const person = await upsertPerson(db, record.person);
        await insertRecord(db, {
          id: input.recordId,
          sharerId: input.sharerId,
          reference: record.reference,
          personId: person.id,
          category: record.category,
          typeCode: record.typeCode,
          tier,
          source: input.sharerKind === 'provider' ? 'market-provider' : 'public-agency',
          formedOn: record.formedOn,
          sharedAt: input.sharedAt,
          late: input.late,
          details: record.details,
          evidence: record.evidence,
          attestation: record.attestation,
          changedBy: input.workflowId,
        });
        if (record.category === 'identity') await applyIdentityFacts(db, [{ personId: person.id, typeCode: record.typeCode, details: record.details }]);
        await closeObligationShared(db, input.workflowId, input.late, input.sharedAt);
        return { status: 'accepted', recordId: input.recordId, version: 1, late: input.late, personId: person.id };
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
