import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { LocalDate } from '../../domain/working-days';
import { partyWording, workflowSummary, type RefusalAnswers } from '../shared/contract';

/** The objection process (Art. 20): a person disputes a record or their score with NDRC. */

export const objectionWorkflowType = 'objectionWorkflow';

export function objectionWorkflowId(objectionId: string): string {
  return `objection/${objectionId}`;
}

/** An objection to a record, or to the score; `humanReview`: the person asks for a human review of the automated score (PIPL art. 24). */
export type ObjectionTarget = { kind: 'record'; recordId: string } | { kind: 'score'; humanReview?: boolean };
export type ObjectionOutcome = 'uphold' | 'correct' | 'remove';

/**
 * An objection's summary: the agency that shared the disputed record (who verifies it when NDRC
 * forwards it), or the score. `sharerId` is unknown when the record is not the person's: the
 * filing then refuses the objection anyway.
 */
export function objectionSummary(target: ObjectionTarget, sharerId?: string): string {
  const process = { zh: '异议处理', en: 'Objection' };
  if (target.kind === 'score') {
    return workflowSummary(process, target.humanReview ? { zh: '人工复核积分', en: 'human review of the score' } : { zh: '针对积分', en: 'to the score' });
  }
  return workflowSummary(process, sharerId ? partyWording({ role: 'agency', agencyId: sharerId }) : { zh: '针对信用记录', en: 'to a record' });
}

export interface ObjectionInput {
  objectionId: string;
  personId: string;
  target: ObjectionTarget;
  reason: string;
  evidence: { kind: string; ref: string }[];
  /** The day NDRC received the objection: the 3- and 2-working-day clocks run from it. */
  receivedOn?: LocalDate;
  filedBy: string;
}

/** `refused`: the objection could not be filed (see `fileObjectionUpdate`), and nothing was recorded. */
export type ObjectionState = 'received' | 'in-house' | 'forwarded' | 'decided' | 'withdrawn' | 'refused';

export interface ObjectionView {
  state: ObjectionState;
  outcome: ObjectionOutcome | null;
  openTaskId: string | null;
}

export type ObjectionWorkflow = (input: ObjectionInput) => Promise<ObjectionView>;

/**
 * Answers once the objection is filed, or fails with the reason it cannot be (a failure named
 * below). Sent with the workflow's start (update-with-start), so the caller learns at once.
 */
export const fileObjectionUpdate = defineUpdate<ObjectionView>('fileObjection');
/** The applicant withdraws before a decision. */
export const withdrawObjectionUpdate = defineUpdate<ObjectionView, [{ personId: string }]>('withdrawObjection');
export const objectionQuery = defineQuery<ObjectionView>('objection');

/** The record already has an open objection; the message names it. */
export const OBJECTION_OPEN = 'ObjectionOpen';
/** The objection is already decided, withdrawn or refused. */
export const OBJECTION_CLOSED = 'ObjectionClosed';
/** The corrected record an outcome carries does not fit the record (its category). */
export const CORRECTION_REFUSED = 'CorrectionRefused';

/** How the API answers each refusal of this process (src/api/workflow-failures.ts). */
export const OBJECTION_REFUSALS: RefusalAnswers = {
  [OBJECTION_OPEN]: { status: 409, code: 'objection-open' },
  [OBJECTION_CLOSED]: { status: 409, code: 'objection-closed' },
  [CORRECTION_REFUSED]: { status: 422, code: 'invalid-correction' },
};
