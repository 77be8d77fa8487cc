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
  claimedBy: string | null;
  context: Record<string, unknown>;
}

/** One step of a task's history (`GET /tasks/{id}/history`). */
export interface TaskEventView {
  at: string;
  event: string;
  actor: string | null;
  detail: Record<string, unknown>;
}
