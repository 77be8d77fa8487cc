import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { withTransaction } from '../../db/transaction';
import { refusesRecord } from '../../domain/scope';
import type { CivicEventInput, CivicEventKind } from '../../workflows/civic-feed/contract';
import { civicEvidenceSignal, repairWorkflowId, type CivicEvidence } from '../../workflows/repair/contract';
import { insertRecord, upsertPerson } from '../../db/record-store/writes';

/** The record type each kind of event is kept as (Art. 9(3)), with its details. */
const RECORDED_AS: Record<CivicEventKind, { category: string; typeCode: string; details: (amount: number) => Record<string, unknown> }> = {
  volunteering: { category: 'social-contribution', typeCode: 'volunteering', details: (hours) => ({ hours }) },
  donation: { category: 'social-contribution', typeCode: 'charitable-donation', details: (amountYuan) => ({ amountYuan }) },
  'civilised-practice': { category: 'social-contribution', typeCode: 'civilised-practice', details: () => ({}) },
};

/** Activities of the civilised-behaviour database's feed (Art. 21). Every one is idempotent. */
export function createCivicFeedActivities({ pool, client }: { pool: pg.Pool; client: Client }) {
  return {
    /**
     * Keeps the event once (a replay finds it kept), as a positive record of the agency running the
     * database when the person is in scope (Art. 3), and lists the person's open repairs by this
     * route. The person's row is locked, so a repair filed at the same moment either sees the event
     * or is listed here.
     */
    async recordCivicEvent(input: CivicEventInput & { at: string }): Promise<{ personId: string; recordId: string | null; recordAdded: boolean; openRepairs: string[] }> {
      return withTransaction(pool, async (db) => {
        const person = await upsertPerson(db, input.person);
        await db.query('SELECT 1 FROM persons WHERE id = $1 FOR UPDATE', [person.id]);
        const inserted = await db.query(
          `INSERT INTO civic_events (event_id, person_id, kind, amount, occurred_on, fed_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING`,
          [input.eventId, person.id, input.kind, input.amount, input.occurredOn, input.fedBy],
        );
        const reference = `CIVIC-${input.eventId}`;
        // The feeding agency may have shared a record under that reference by hand: it stands, and
        // the event is kept without a record of its own rather than failing on the reference for ever.
        const taken = await db.query('SELECT 1 FROM records WHERE sharer_id = $1 AND reference = $2', [input.fedBy, reference]);
        if (inserted.rowCount && !taken.rowCount && !refusesRecord(input.person.birthDate, input.occurredOn)) {
          const recordedAs = RECORDED_AS[input.kind];
          const newRecordId = randomUUID();
          await insertRecord(db, {
            id: newRecordId,
            sharerId: input.fedBy,
            reference,
            personId: person.id,
            category: recordedAs.category,
            typeCode: recordedAs.typeCode,
            source: 'public-agency',
            formedOn: input.occurredOn,
            sharedAt: input.at,
            late: false,
            details: recordedAs.details(input.amount),
            evidence: [{ kind: 'other', ref: `civilised-behaviour database event ${input.eventId}` }],
            changedBy: `civic-event/${input.eventId}`,
          });
          await db.query('UPDATE civic_events SET record_id = $2 WHERE event_id = $1', [input.eventId, newRecordId]);
        }
        const kept = await db.query<{ person_id: string; record_id: string | null }>('SELECT person_id, record_id FROM civic_events WHERE event_id = $1', [input.eventId]);
        const { person_id: personId, record_id: recordId } = kept.rows[0]!;
        const open = await db.query<{ id: string }>(
          `SELECT id FROM repairs WHERE person_id = $1 AND route = $2 AND state = 'collecting' AND closed_at IS NULL ORDER BY id`,
          [personId, input.kind],
        );
        // A retry finds the record it kept: asking for the rescoring again is harmless.
        return { personId, recordId, recordAdded: recordId !== null, openRepairs: open.rows.map((row) => repairWorkflowId(row.id)) };
      });
    },

    /** Sends the event to each open repair; a repair that closed meanwhile no longer needs it. Returns those reached. */
    async routeCivicEvidence(input: { repairWorkflowIds: string[]; evidence: CivicEvidence }): Promise<string[]> {
      const reached: string[] = [];
      for (const workflowId of input.repairWorkflowIds) {
        try {
          await client.workflow.getHandle(workflowId).signal(civicEvidenceSignal, input.evidence);
          reached.push(workflowId);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }
      return reached;
    },
  };
}

export type CivicFeedActivities = ReturnType<typeof createCivicFeedActivities>;
