import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RecordChange, RecordChanged, SharedRecord, ShareOutcome, SharerKind } from '../../domain/record';
import type { SlaStageSpec } from '../../domain/sla';
import type { LocalDate } from '../../domain/working-days';
import { partyWording, workflowSummary, type Wording, type RefusalAnswers } from '../shared/contract';

/** The records process (Art. 8-10): the sharing obligation of each record, and changes to shared records. */

export const recordSharingWorkflowType = 'recordSharingWorkflow';

/** One obligation per sharer and reference. */
export function obligationWorkflowId(sharerId: string, reference: string): string {
  return `record-sharing/${sharerId}/${reference}`;
}

export function obligationSummary(sharerId: string, sharerKind: SharerKind): string {
  return workflowSummary({ zh: '信用信息共享', en: 'Record sharing' }, partyWording({ role: sharerKind, agencyId: sharerId }));
}

/** Art. 10: the agency shares within 7 working days of the day the information was formed. */
export function shareRecordStage(agencyId: string): SlaStageSpec {
  return { process: 'record-sharing', stage: 'share-record', article: 'Art. 10', workingDays: 7, responsible: { role: 'agency', agencyId } };
}

export interface RecordSharingInput {
  sharerId: string;
  sharerKind: SharerKind;
  reference: string;
  /** Art. 10: the 7 working days run from the day the information was formed. */
  formedOn: LocalDate;
}

export type ObligationState = 'open' | 'shared' | 'withdrawn';

export interface ObligationView {
  state: ObligationState;
  dueAt: string | null;
  slaState: string | null;
  /** The due time falls in a year whose working-day calendar is not published yet. */
  provisional: boolean | null;
  recordId: string | null;
  late: boolean | null;
}

export type RecordSharingWorkflow = (input: RecordSharingInput) => Promise<ObligationView>;

/** The agency shares the record: validated by the record schema before anything is recorded. */
export const shareRecordUpdate = defineUpdate<ShareOutcome, [SharedRecord]>('shareRecord');
/** The agency withdraws the obligation with a reason (e.g. the information was announced in error). */
export const withdrawObligationUpdate = defineUpdate<{ state: 'withdrawn' }, [{ reason: string }]>('withdrawObligation');
/** A bulk batch stored the record; the obligation closes (sent by the bulk intake workflow). */
export const sharedInBatchSignal = defineSignal<[{ recordId: string; late: boolean }]>('sharedInBatch');
export const obligationQuery = defineQuery<ObligationView>('obligation');

/** The record breaks the record schema or does not fit its obligation. */
export const INVALID_RECORD = 'InvalidRecord';
/** The obligation is already shared or withdrawn. */
export const OBLIGATION_CLOSED = 'ObligationClosed';
/** The record does not fit the catalogue, who may share it or the person's age, found as it is stored. */
export const RECORD_REFUSED = 'RecordRefused';
/** A change to a record that is revoked, or repaired and not revoked. */
export const RECORD_CONFLICT = 'RecordConflict';

/** How the API answers each refusal of this process (src/api/workflow-failures.ts). */
export const RECORD_REFUSALS: RefusalAnswers = {
  [INVALID_RECORD]: { status: 422, code: 'invalid-record' },
  [RECORD_REFUSED]: { status: 422, code: 'refused' },
  [RECORD_CONFLICT]: { status: 409, code: 'conflict' },
  [OBLIGATION_CLOSED]: { status: 409, code: 'obligation-closed' },
};

export const recordChangeWorkflowType = 'recordChangeWorkflow';

/** Each change is a workflow of its own. */
export function recordChangeWorkflowId(sharerId: string, reference: string, changeId: string): string {
  return `record-change/${sharerId}/${reference}/${changeId}`;
}

const CHANGE_WORDS: Record<RecordChange['kind'], Wording> = {
  correct: { zh: '更正', en: 'correction' },
  revoke: { zh: '撤销', en: 'revocation' },
  repair: { zh: '信用修复', en: 'repair' },
};

export function recordChangeSummary(sharerId: string, sharerKind: SharerKind, kind: RecordChange['kind']): string {
  return workflowSummary({ zh: '信用记录变更', en: 'Record change' }, CHANGE_WORDS[kind], partyWording({ role: sharerKind, agencyId: sharerId }));
}

export type RecordChangeWorkflow = (change: RecordChange) => Promise<RecordChanged>;
