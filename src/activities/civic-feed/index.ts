import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { openCivicRepairs } from '../../db/civic-evidence';
import { withTransaction } from '../../db/transaction';
import { refusesRecord } from '../../domain/scope';
import { scoreOnRequest } from '../../db/scores';
import type { CivicBatchInput, CivicEventInput, CivicEventKind } from '../../workflows/civic-feed/contract';
import { civicEvidenceSignal, repairWorkflowId, type CivicEvidence } from '../../workflows/repair/contract';
import { insertRecord, insertRecords, upsertPerson, upsertPersons, type NewRecord } from '../../db/record-store/writes';

/** The record type each kind of event is kept as (Art. 9(3)), with its details. */
const RECORDED_AS: Record<CivicEventKind, { category: string; typeCode: string; details: (amount: number) => Record<string, unknown> }> = {
  volunteering: { category: 'social-contribution', typeCode: 'volunteering', details: (hours) => ({ hours }) },
  donation: { category: 'social-contribution', typeCode: 'charitable-donation', details: (amountYuan) => ({ amountYuan }) },
  'civilised-practice': { category: 'social-contribution', typeCode: 'civilised-practice', details: () => ({}) },
};

/** What a batch kept: its new events and those fed before, where each new event goes, and how many records it has added. */
export interface CivicBatchKept {
  accepted: string[];
  duplicates: string[];
  routes: { workflowId: string; evidence: CivicEvidence }[];
  recordsAdded: number;
}

/** An event as the positive record it is kept as (Art. 9(3)), shared by the agency running the database. */
function civicRecord(event: Omit<CivicEventInput, 'person'>, personId: string, changedBy: string, at: string): NewRecord {
  const recordedAs = RECORDED_AS[event.kind];
  return {
    id: randomUUID(),
    sharerId: event.fedBy,
    reference: `CIVIC-${event.eventId}`,
    personId,
    category: recordedAs.category,
    typeCode: recordedAs.typeCode,
    source: 'public-agency',
    formedOn: event.occurredOn,
    sharedAt: at,
    late: false,
    details: recordedAs.details(event.amount),
    evidence: [{ kind: 'other', ref: `civilised-behaviour database event ${event.eventId}` }],
    changedBy,
  };
}

/** Activities of the civilised-behaviour database's feed (Art. 21). Every one is idempotent. */
export function createCivicFeedActivities({ pool, client }: { pool: pg.Pool; client: Client }) {
  /** Signals each repair its evidence; one closed meanwhile no longer needs it. The repairs reached. */
  const signalRepairs = async (routes: { workflowId: string; evidence: CivicEvidence }[]): Promise<string[]> => {
    const reached: string[] = [];
    for (const route of routes) {
      try {
        await client.workflow.getHandle(route.workflowId).signal(civicEvidenceSignal, route.evidence);
        reached.push(route.workflowId);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    return reached;
  };
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
          const record = civicRecord(input, person.id, `civic-event/${input.eventId}`, input.at);
          await insertRecord(db, record);
          await db.query('UPDATE civic_events SET record_id = $2 WHERE event_id = $1', [input.eventId, record.id]);
        }
        const kept = await db.query<{ person_id: string; record_id: string | null }>('SELECT person_id, record_id FROM civic_events WHERE event_id = $1', [input.eventId]);
        const { person_id: personId, record_id: recordId } = kept.rows[0]!;
        const open = await openCivicRepairs(db, [personId], input.kind);
        // A retry finds the record it kept: asking for the rescoring again is harmless.
        return { personId, recordId, recordAdded: recordId !== null, openRepairs: open.map((repair) => repairWorkflowId(repair.id)) };
      });
    },

    /**
     * Keeps a batch's events in one transaction, each once by its id (an event fed before, by any
     * batch or event, is a duplicate and changes nothing), the new ones of persons of age as
     * positive records of the agency running the database, and lists where each new event goes:
     * the person's open repairs by its route. Registering the persons locks their rows (in the
     * order of their keys, so batches never deadlock), so a repair filed at the same moment either
     * sees the events or is listed. A retry finds the events its batch kept (`fed_in`).
     */
    async recordCivicBatch(input: CivicBatchInput & { workflowId: string; at: string }): Promise<CivicBatchKept> {
      return withTransaction(pool, async (db) => {
        const personIds = await upsertPersons(db, input.events.map((event) => event.person));
        const personOf = (event: CivicBatchInput['events'][number]) => personIds.get(event.person.key)!;
        await db.query(
          `INSERT INTO civic_events (event_id, person_id, kind, amount, occurred_on, fed_by, fed_in)
           SELECT e, p, k, a, o, $6, $7 FROM unnest($1::text[], $2::uuid[], $3::text[], $4::numeric[], $5::date[]) AS u (e, p, k, a, o)
           ON CONFLICT (event_id) DO NOTHING`,
          [
            input.events.map((event) => event.eventId), input.events.map(personOf), input.events.map((event) => event.kind),
            input.events.map((event) => event.amount), input.events.map((event) => event.occurredOn), input.fedBy, input.workflowId,
          ],
        );
        const kept = await db.query<{ event_id: string; record_id: string | null }>('SELECT event_id, record_id FROM civic_events WHERE fed_in = $1', [input.workflowId]);
        const mine = new Map(kept.rows.map((row) => [row.event_id, row.record_id]));
        const accepted = input.events.filter((event) => mine.has(event.eventId));
        // The feeding agency may have shared a record under an event's reference by hand: it stands, and the event is kept without one.
        const references = accepted.map((event) => `CIVIC-${event.eventId}`);
        const taken = await db.query<{ reference: string }>('SELECT reference FROM records WHERE sharer_id = $1 AND reference = ANY($2::text[])', [input.fedBy, references]);
        const takenReferences = new Set(taken.rows.map((row) => row.reference));
        const recorded = accepted
          .filter((event) => mine.get(event.eventId) === null && !takenReferences.has(`CIVIC-${event.eventId}`) && !refusesRecord(event.person.birthDate, event.occurredOn))
          .map((event) => ({ event, record: civicRecord({ ...event, fedBy: input.fedBy }, personOf(event), input.workflowId, input.at) }));
        await insertRecords(db, recorded.map(({ record }) => record));
        await db.query('UPDATE civic_events c SET record_id = u.r FROM unnest($1::text[], $2::uuid[]) AS u (e, r) WHERE c.event_id = u.e', [
          recorded.map(({ event }) => event.eventId),
          recorded.map(({ record }) => record.id),
        ]);
        const open = await openCivicRepairs(db, [...new Set(accepted.map(personOf))]);
        const routes = accepted.flatMap((event) =>
          open
            .filter((repair) => repair.personId === personOf(event) && repair.route === event.kind)
            .map((repair) => ({ workflowId: repairWorkflowId(repair.id), evidence: { eventId: event.eventId, kind: event.kind, amount: event.amount, occurredOn: event.occurredOn } })),
        );
        const recordsAdded = [...mine.values()].filter((recordId) => recordId !== null).length + recorded.length;
        return { accepted: accepted.map((event) => event.eventId), duplicates: input.events.filter((event) => !mine.has(event.eventId)).map((event) => event.eventId), routes, recordsAdded };
      });
    },

    /** Sends each new event of a batch to the open repairs it goes to; a repair that closed meanwhile no longer needs it. Returns how many were reached. */
    async routeCivicBatch(input: { routes: { workflowId: string; evidence: CivicEvidence }[] }): Promise<number> {
      return (await signalRepairs(input.routes)).length;
    },

    /**
     * Each person given records by the batch hears once, however many arrived, and is rescored
     * once (Art. 6), set-based, as bulk intake does. Returns how many persons.
     */
    async answerCivicBatchPersons(input: { workflowId: string; at: string }): Promise<number> {
      const touched = await pool.query<{ person_id: string }>(
        `WITH touched AS (
           SELECT person_id, count(*) AS records FROM civic_events WHERE fed_in = $1 AND record_id IS NOT NULL GROUP BY person_id
         ), notified AS (
           INSERT INTO notifications (id, recipient_role, recipient_id, kind, workflow_id, body)
           SELECT $1 || '/' || person_id, 'person', person_id, 'records-added', $1, jsonb_build_object('records', records)
           FROM touched ON CONFLICT (id) DO NOTHING
         )
         SELECT person_id FROM touched`,
        [input.workflowId],
      );
      const ids = touched.rows.map((row) => row.person_id);
      if (ids.length > 0) await scoreOnRequest(pool, { personIds: ids, computedBy: input.workflowId, at: input.at });
      return ids.length;
    },

    /** Sends the event to each open repair; a repair that closed meanwhile no longer needs it. Returns those reached. */
    async routeCivicEvidence(input: { repairWorkflowIds: string[]; evidence: CivicEvidence }): Promise<string[]> {
      return signalRepairs(input.repairWorkflowIds.map((workflowId) => ({ workflowId, evidence: input.evidence })));
    },
  };
}

export type CivicFeedActivities = ReturnType<typeof createCivicFeedActivities>;
