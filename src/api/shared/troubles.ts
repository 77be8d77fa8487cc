/** A process in trouble, as supervisors list it (DESIGN.md "Processes in trouble are visible"): the API's answer and the board's panel. */
export interface Trouble {
  /** `failed`: the workflow ended in failure; `workflow-task-failing`: its code fails at each attempt (a bug, or a release it does not replay on); `activity-retrying`: a step keeps failing. */
  kind: 'failed' | 'workflow-task-failing' | 'activity-retrying';
  workflowId: string;
  workflowType: string;
  /** Why, as far as it is known: a failure's type and message, never data. */
  reason: string;
  /** When it was first seen. */
  since: string;
  /** For a retrying step: which, and its attempt. */
  activityType?: string;
  attempt?: number;
  /** The workflow in the Temporal Web UI. */
  webUiUrl: string;
}
