import { defineUpdate } from '@temporalio/workflow';
import type { SealedPerson } from '../../domain/record';
import type { LocalDate } from '../../domain/working-days';
import { REPAIR_ROUTE_WORDS } from '../repair/contract';
import { partyWording, workflowSummary } from '../shared/contract';

/**
 * The civilised-behaviour database's feed (Art. 21): volunteer hours, donations and civilised
 * practice, each event kept once as a positive record (Art. 9(3)) and routed to the person's
 * open repairs by that route.
 */

export const civicEventWorkflowType = 'civicEventWorkflow';

/** One workflow per event id: a replayed feed finds the event's workflow and starts nothing. */
export function civicEventWorkflowId(eventId: string): string {
  return `civic-event/${eventId}`;
}

export type CivicEventKind = 'volunteering' | 'donation' | 'civilised-practice';

/** An event's summary: its kind, in the words of the repair route it counts toward, and the database that fed it. */
export function civicEventSummary(kind: CivicEventKind, fedBy: string): string {
  return workflowSummary({ zh: '文明行为信息', en: 'Civilised-behaviour event' }, REPAIR_ROUTE_WORDS[kind], partyWording({ role: 'civic-db', agencyId: fedBy }));
}

export interface CivicEventInput {
  eventId: string;
  person: SealedPerson;
  kind: CivicEventKind;
  /** Hours, yuan, or 1 for a civilised-practice event. */
  amount: number;
  occurredOn: LocalDate;
  /** The agency that runs the database and answers for the event. */
  fedBy: string;
}

export interface CivicEventOutcome {
  recordId: string | null;
  /** The open repairs the event was routed to. */
  routedTo: string[];
}

export type CivicEventWorkflow = (input: CivicEventInput) => Promise<CivicEventOutcome>;

/**
 * One request of the feed, up to 1,000 events, as one unit of work (since 0.3.0; before, one
 * civicEventWorkflow per event): stored together, each event once by its id, then routed to the
 * open repairs and its persons rescored together.
 */
export const civicBatchWorkflowType = 'civicBatchWorkflow';

export function civicBatchWorkflowId(fedBy: string, batchId: string): string {
  return `civic-batch/${fedBy}/${batchId}`;
}

export function civicBatchSummary(fedBy: string, events: number): string {
  return workflowSummary({ zh: `文明行为信息 ${events} 条`, en: `${events} civilised-behaviour events` }, partyWording({ role: 'civic-db', agencyId: fedBy }));
}

export interface CivicBatchInput {
  fedBy: string;
  events: Omit<CivicEventInput, 'fedBy'>[];
}

/** Which events this batch kept, and which were fed before (by any batch or event): they change nothing. */
export interface CivicBatchStored {
  accepted: string[];
  duplicates: string[];
}

export interface CivicBatchOutcome extends CivicBatchStored {
  /** Evidence sent to open repairs. */
  routed: number;
  /** Persons rescored for the records the batch added. */
  rescored: number;
}

/** Answers once the batch is stored (update-with-start); the routing and rescoring follow. */
export const civicBatchStoredUpdate = defineUpdate<CivicBatchStored>('civicBatchStored');

export type CivicBatchWorkflow = (input: CivicBatchInput) => Promise<CivicBatchOutcome>;
