import { ApplicationFailure, ApplicationFailureCategory, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RecordCorrection } from '../../domain/record';
import type { Role } from '../../domain/roles';
import type { LocalDate } from '../../domain/working-days';

/**
 * The door of the mechanisms every process shares (DESIGN.md "Shared mechanisms"): what the API,
 * the activities and the worker's set-up need of the SLA clock, the human tasks and the search
 * attributes, without importing a workflow.
 */

/**
 * The custom search attributes supervisors filter on in the Temporal Web UI, e.g.
 * `CreditProcess="objection" AND SlaState="breached"`. Registered on the server at start-up.
 */
export const CreditProcessKey = defineSearchAttributeKey('CreditProcess', SearchAttributeType.KEYWORD);
export const SlaStageKey = defineSearchAttributeKey('SlaStage', SearchAttributeType.KEYWORD);
export const SlaDueAtKey = defineSearchAttributeKey('SlaDueAt', SearchAttributeType.DATETIME);
export const SlaStateKey = defineSearchAttributeKey('SlaState', SearchAttributeType.KEYWORD);
export const AgencyKey = defineSearchAttributeKey('Agency', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [CreditProcessKey, SlaStageKey, SlaDueAtKey, SlaStateKey, AgencyKey];

/** Plain words for the people who supervise the processes: simplified Chinese, and English. */
export interface Wording {
  zh: string;
  en: string;
}

/**
 * A workflow's static summary, set where it is started and shown in the Temporal Web UI and by
 * `temporal workflow describe`: one line, Chinese then English, e.g.
 * `异议处理 · 机构 jinan-market-regulation / Objection · agency jinan-market-regulation`.
 * It names the process and the organisations and codes it is about, never a person: no person
 * ids, names or identity numbers.
 */
export function workflowSummary(process: Wording, ...about: Wording[]): string {
  const line = (language: keyof Wording) => [process, ...about].map((words) => words[language]).join(' · ');
  return `${line('zh')} / ${line('en')}`;
}

/** Someone a process waits for or is about: a role, the organisation when one acts, or the applicant of the process. */
export type Party = { role: Role; agencyId?: string } | { role: 'applicant' };

const ROLE_WORDS: Record<Party['role'], Wording> = {
  agency: { zh: '机构', en: 'agency' },
  provider: { zh: '市场信用信息提供单位', en: 'provider' },
  ndrc: { zh: '市发展改革部门', en: 'NDRC' },
  person: { zh: '本人', en: 'the person' },
  requester: { zh: '查询方', en: 'requester' },
  institution: { zh: '第三方机构', en: 'the institution' },
  supervisor: { zh: '监督人员', en: 'the supervisors' },
  admin: { zh: '管理员', en: 'an administrator' },
  'civic-db': { zh: '文明行为数据库', en: 'the civilised-behaviour database' },
  applicant: { zh: '申请人', en: 'the applicant' },
};

/** A party in words, with its organisation's id when it has one: `机构 jinan-market-regulation / agency jinan-market-regulation`. */
export function partyWording(party: Party): Wording {
  const words = ROLE_WORDS[party.role];
  const agencyId = 'agencyId' in party ? party.agencyId : undefined;
  return agencyId ? { zh: `${words.zh} ${agencyId}`, en: `${words.en} ${agencyId}` } : words;
}

export interface CalendarChange {
  /** The calendar workflow that changed the calendar, for the history's reader. */
  changedBy: string;
}

/**
 * Sent by the calendar workflow to every workflow with an open clock when a year is loaded or
 * a day corrected: the open stages recompute their due times from the new calendar.
 */
export const calendarChangedSignal = defineSignal<[CalendarChange]>('calendarChanged');

/** Who acts on a task, as the API verified their token. */
export interface TaskActor {
  subject: string;
  role: Role;
  agencyId?: string;
}

export interface TaskCompletion {
  taskId: string;
  actor: TaskActor;
  decision: string;
  reasons: string;
  /** The corrected record, when the decision is `correct` and the task corrects a record. */
  correction?: RecordCorrection;
  /** Which record the correction is for, when the task may correct one of several (an objection to the score). */
  recordId?: string;
  /** The days granted, when the decision grants a schedule (a repair's deferral: the instalments' due days). */
  schedule?: LocalDate[];
  /** What falls due on each of those days, in yuan, when the grant says (one amount per day). */
  amountsYuan?: number[];
}

/** What a task's decisions carry beyond their reasons: the decisions that must carry a record correction, those that grant a schedule of days. */
export interface DecisionInputs {
  correction: string[];
  /** The records a correction may be for, when there are several to choose from (an objection to the score: those its score counts); absent, the task's own record. */
  correctionOf?: string[];
  /** 1 to `maxDays` days, ascending, all after `after`. */
  schedule: { decisions: string[]; maxDays: number; after: LocalDate } | null;
}

export interface TaskClaim {
  taskId: string;
  actor: TaskActor;
  /** true claims the task, false releases it (its claimant, or a supervisor ending a claim left by someone absent). */
  claim: boolean;
}

export interface TaskReminder {
  taskId: string;
  /** The supervisor who sends it. */
  actor: TaskActor;
}

/** Complete a human task with a decision. The validator refuses before anything is recorded. */
export const completeTaskUpdate = defineUpdate<{ taskId: string; decision: string }, [TaskCompletion]>('completeTask');
/** Claim a task (or release it) so two reviewers do not work on it at once. */
export const claimTaskUpdate = defineUpdate<{ taskId: string; claimedBy: string | null }, [TaskClaim]>('claimTask');
/** A supervisor reminds whoever holds an open task (its claimant, or else its role or organisation) that it is due. */
export const remindTaskUpdate = defineUpdate<{ taskId: string; remindedTo: string }, [TaskReminder]>('remindTask');

/** The task is another role's or another agency's. */
export const TASK_FORBIDDEN = 'TaskForbidden';
/** The task is no longer open, or another reviewer holds it. */
export const TASK_CLOSED = 'TaskClosed';
/** Data Postgres will never take, whatever the attempt (an activity's failure, see permanent-failures.ts): the caller's input, refused. */
export const INVALID_DATA = 'InvalidData';
/** The decision is not one the task allows, or lacks its reasons or its correction. */
export const INVALID_DECISION = 'InvalidDecision';

/** A process names a person the platform does not know. */
export const PERSON_NOT_FOUND = 'PersonNotFound';
/** An application names a record that is not one of the applicant's. */
export const RECORD_NOT_FOUND = 'RecordNotFound';
/** Only the person who applied (objected, declared) may withdraw. */
export const NOT_THE_APPLICANT = 'NotTheApplicant';

/** How the API answers a refusal: its HTTP status and the machine-readable code a page translates. */
export interface RefusalAnswer {
  status: 403 | 404 | 409 | 422;
  code: string;
}

/** A process's refusals by failure type, declared in its contract beside them. */
export type RefusalAnswers = Readonly<Record<string, RefusalAnswer>>;

/** How the API answers each refusal of this process (src/api/workflow-failures.ts). */
export const SHARED_REFUSALS: RefusalAnswers = {
  [TASK_FORBIDDEN]: { status: 403, code: 'forbidden' },
  [TASK_CLOSED]: { status: 409, code: 'task-closed' },
  [INVALID_DECISION]: { status: 422, code: 'invalid-decision' },
  [NOT_THE_APPLICANT]: { status: 403, code: 'forbidden' },
  [RECORD_NOT_FOUND]: { status: 404, code: 'not-found' },
  [PERSON_NOT_FOUND]: { status: 404, code: 'not-found' },
  // What the storable-text guard lets through and Postgres still refuses: the request is refused, the process goes on as it was.
  [INVALID_DATA]: { status: 422, code: 'unstorable-input' },
};

/** What a refusal says beyond its message: the input field it is about. */
export interface RefusalDetail {
  field: string;
}

/**
 * A refusal that no retry can change: a non-retryable failure of the given type naming the
 * field, which the API's failure map turns into its 4xx (src/api/workflow-failures.ts).
 */
export function refusal(type: string, message: string, field: string): ApplicationFailure {
  // Benign: an expected outcome, which the worker logs at debug rather than as a failure with its stack.
  return ApplicationFailure.create({ message, type, nonRetryable: true, details: [{ field } satisfies RefusalDetail], category: ApplicationFailureCategory.BENIGN });
}
