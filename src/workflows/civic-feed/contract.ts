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
