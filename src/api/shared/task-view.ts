import type { DecisionInputs } from '../../workflows/shared/contract';

/** A task as the inbox shows it (`GET /tasks`), read by the task routes and the reviewers' pages. */
export interface TaskView {
  id: string;
  process: string;
  kind: string;
  role: string;
  agencyId: string | null;
  subject: string;
  state: string;
  dueAt: string | null;
  /** The due time lies in a year whose working-day calendar is not published yet. */
  provisional: boolean | null;
  workingDaysLeft: number | null;
  allowedDecisions: string[];
  /** What a decision carries beyond its reasons: a record correction, a schedule of days. */
  decisionInputs: DecisionInputs;
  claimedBy: string | null;
  /** Since when its claimant holds it. */
  claimedAt: string | null;
  context: Record<string, unknown>;
  /** What the task is about, in words a reviewer reads in the inbox. */
  about: { recordType: string | null; reference: string | null; sharerId: string | null; sharerName: string | null; title: string | null };
}

/** One step of a task's history (`GET /tasks/{id}/history`). */
export interface TaskEventView {
  at: string;
  event: string;
  actor: string | null;
  detail: Record<string, unknown>;
}

/** A version of the record under review, as its sharer changed it. */
export interface RecordVersionView {
  version: number;
  status: string;
  formedOn: string;
  details: Record<string, unknown>;
  changedBy: string;
  changeReason: string | null;
  /** When the next version replaced it; null for the current one. */
  supersededAt: string | null;
}

/** What a reviewer decides on (`GET /tasks/{id}/case`): the record, the application, the decisions taken before in the process. */
export interface CaseView {
  record: {
    id: string;
    reference: string;
    sharerId: string;
    sharerName: string | null;
    category: string;
    typeCode: string;
    tier: string | null;
    formedOn: string;
    sharedAt: string;
    status: string;
    details: Record<string, unknown>;
    evidence: { kind: string; ref: string }[];
    /** Under an objection not yet decided (Art. 20). */
    disputed: boolean;
    /** Every version, the current one first. */
    versions: RecordVersionView[];
  } | null;
  application: {
    /** The applicant's reason (an objection's). */
    reason: string | null;
    evidence: { kind: string; ref: string }[];
    /** A repair's route and its terms. */
    route: string | null;
    terms: Record<string, unknown> | null;
    /** What a person declared (Art. 11). */
    declared: { category: string; typeCode: string; formedOn: string; details: Record<string, unknown> } | null;
  };
  decisions: { taskId: string; kind: string; decision: string; reasons: string; actor: string | null; at: string }[];
  /** An objection to the score: the records the score counts, with their points, as the reviewer saw them when the task opened. */
  scoreLines: { recordId: string; typeCode: string; category: string; formedOn: string; points: number }[];
}
