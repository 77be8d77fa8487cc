import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ModelDefinition, ModelStatus } from '../../domain/score-model';
import type { LocalDate } from '../../domain/working-days';
import { workflowSummary, type Wording, type RefusalAnswers } from '../shared/contract';

/** Scoring (Art. 4, 6, 13, 14): rescoring on events and by schedule, and the indicator models' lifecycle. */

export const rescorePersonWorkflowType = 'rescorePersonWorkflow';

export function rescorePersonWorkflowId(personId: string): string {
  return `rescore-person/${personId}`;
}

/** The workflow id names the person; the summary, shown in every list, does not. */
export function rescorePersonSummary(): string {
  return workflowSummary({ zh: '个人积分重算', en: 'Rescoring one person' });
}

export type RescorePersonWorkflow = (input: { personId: string }) => Promise<void>;

/** A record of the person changed; sent with signal-with-start by whoever changed it. */
export const rescoreRequestedSignal = defineSignal<[{ reason: string }]>('rescoreRequested');

export const rescoringRunWorkflowType = 'rescoringRunWorkflow';

/**
 * Whom a run rescores: `everyone` (a model's activation, or a night with no run before it), or
 * `due`, the persons whose score could have changed by the day without a new record (the nightly run).
 */
export type RescoringSelection = 'everyone' | 'due';

export const SELECTION_WORDS: Record<RescoringSelection, Wording> = {
  everyone: { zh: '全员', en: 'everyone' },
  due: { zh: '应重算者', en: 'those due' },
};

/** The nightly run of a day (`rescore-due/{day}`), a run of everyone (`rescore-full/{day}`), or one model's activation on that day. */
export function rescoringRunWorkflowId(day: LocalDate, selection: RescoringSelection, activatedModelId?: string): string {
  if (activatedModelId) return `rescore-full/${day}/${activatedModelId}`;
  return selection === 'due' ? `rescore-due/${day}` : `rescore-full/${day}`;
}

export function rescoringRunSummary(day: LocalDate, selection: RescoringSelection, scenarios?: string[]): string {
  const scenario = scenarios ? [{ zh: `场景 ${scenarios.join('、')}`, en: `scenario ${scenarios.join(', ')}` }] : [];
  return workflowSummary({ zh: '积分重算', en: 'Rescoring run' }, { zh: day, en: day }, SELECTION_WORDS[selection], ...scenario);
}

export interface RescoringRunInput {
  onDay?: LocalDate;
  /** `everyone` by default. A run of the due with no finished run before it rescores everyone. */
  selection?: RescoringSelection;
  scenarios?: string[];
  /** Persons per range; 50,000 by default. */
  pageSize?: number;
  /**
   * Ranges scored at once, each one transaction on its own Postgres connection; 2 by default (both
   * cores of a small database server). Raise it with the database's cores: the workers are not the limit.
   */
  rangesInFlight?: number;
  /** How long before a range of a crashed worker is retried; a minute by default. */
  rangeHeartbeatTimeout?: string;
  /** Carried across continue-as-new: where the next range starts, and the progress so far. */
  after?: string;
  progress?: RescoreProgress;
}

export interface RescoreProgress {
  ranges: number;
  persons: number;
  scored: number;
  levelChanges: number;
}

export interface RunSummary {
  runId: string;
  onDay: LocalDate;
  selection: RescoringSelection;
  /** The persons the run set out to rescore: everyone, or those due. */
  due: number;
  personsScored: number;
  levelChanges: number;
  outOfScope: number;
}

export type RescoringRunWorkflow = (input?: RescoringRunInput) => Promise<RunSummary>;

export const rescoreProgressQuery = defineQuery<RescoreProgress & { onDay: LocalDate | null; after: string }>('progress');

/** What the nightly Schedule starts; it runs the day's `rescore-due/{day}` once. */
export const nightlyRescoringWorkflowType = 'nightlyRescoringWorkflow';

export type NightlyRescoringWorkflow = () => Promise<RunSummary | 'already-run'>;

/** One schedule per task queue, so platforms sharing a Temporal namespace do not start each other's runs. */
export function nightlyRescoringScheduleId(taskQueue: string): string {
  return `rescore-full-nightly/${taskQueue}`;
}

export function nightlyRescoringWorkflowId(taskQueue: string): string {
  return `rescore-nightly/${taskQueue}`;
}

export function nightlyRescoringSummary(): string {
  return workflowSummary({ zh: '夜间积分重算', en: 'Nightly rescoring' }, { zh: '每日 02:00（上海时间）', en: 'daily at 02:00 Shanghai time' });
}

export const rescoreRequestsWorkflowType = 'rescoreRequestsWorkflow';

/**
 * The one workflow per task queue that answers the rescoring requests stored with records taken
 * without a workflow of their own (a share with no announced obligation): started by every worker
 * as it starts, and kept running.
 */
export function rescoreRequestsWorkflowId(taskQueue: string): string {
  return `rescore-requests/${taskQueue}`;
}

export function rescoreRequestsSummary(): string {
  return workflowSummary({ zh: '重算请求应答', en: 'Answering rescoring requests' }, { zh: '记录共享后即时重算', en: 'rescores as records are shared' });
}

export type RescoreRequestsWorkflow = () => Promise<never>;

export const scoreModelWorkflowType = 'scoreModelWorkflow';

/** Each change of a model is a workflow of its own, e.g. `score-model/base-v2/active-{uuid}`. */
export function scoreModelWorkflowId(subject: string, change: string, requestId: string): string {
  return `score-model/${subject}/${change}-${requestId}`;
}

export interface DraftModel {
  scenario: string;
  description: string;
  definition: ModelDefinition;
  createdBy: string;
}

export interface ModelTransition {
  modelId: string;
  to: ModelStatus;
  commentFrom?: LocalDate;
  commentUntil?: LocalDate;
  /** An activation takes effect on this day (Art. 13): at once if it is today, else the workflow waits for it. */
  effectiveFrom?: LocalDate;
  /** Who asked for it (NDRC activates). */
  by?: string;
}

/** A comment on a model under public comment (Art. 13), from anyone. */
export interface ModelComment {
  modelId: string;
  commentId: string;
  comment: string;
  authorRole: string;
  /** A resident's platform id, or an organisation's subject. */
  author: string;
}

export type ScoreModelChange = ({ kind: 'draft' } & DraftModel) | ({ kind: 'transition' } & ModelTransition) | ({ kind: 'comment' } & ModelComment);

export function scoreModelSummary(change: ScoreModelChange): string {
  const what: Wording =
    change.kind === 'draft'
      ? { zh: `起草 ${change.scenario} 场景的新版本`, en: `a new draft for scenario ${change.scenario}` }
      : change.kind === 'comment'
        ? { zh: `对 ${change.modelId} 的公众意见`, en: `a public comment on ${change.modelId}` }
        : { zh: `转为 ${change.to}`, en: `to ${change.to}` };
  return workflowSummary({ zh: '评分模型', en: 'Score model' }, what);
}

/** Answers once an activation is checked and recorded with its effective day (update-with-start), or with its refusal. */
export const scheduleActivationUpdate = defineUpdate<{ modelId: string; effectiveFrom: LocalDate }>('scheduleActivation');

export interface ScoreModelChangeResult {
  modelId: string;
  status: ModelStatus;
  /** The day an activation took effect. */
  effectiveFrom?: LocalDate;
  /** Activation rescores the scenario at once (Art. 13). */
  rescoring?: RunSummary;
}

export type ScoreModelWorkflow = (change: ScoreModelChange) => Promise<ScoreModelChangeResult>;

/** No model has that id. */
export const MODEL_NOT_FOUND = 'ModelNotFound';
/** The model's lifecycle does not allow that step (Art. 13). */
export const INVALID_MODEL_TRANSITION = 'InvalidModelTransition';
/** The model's public comment has not ended: it cannot be activated yet (Art. 13). */
export const COMMENT_PERIOD_OPEN = 'CommentPeriodOpen';
/** The model is not under public comment, or its comment period has ended. */
export const COMMENT_CLOSED = 'CommentClosed';
/** A full rescoring found no scenario with an active model. */
export const NO_ACTIVE_MODEL = 'NoActiveModel';

/** How the API answers each refusal of this process (src/api/workflow-failures.ts). */
export const SCORING_REFUSALS: RefusalAnswers = {
  [MODEL_NOT_FOUND]: { status: 404, code: 'not-found' },
  [INVALID_MODEL_TRANSITION]: { status: 409, code: 'invalid-transition' },
  [COMMENT_PERIOD_OPEN]: { status: 409, code: 'comment-period-open' },
  [COMMENT_CLOSED]: { status: 409, code: 'comment-closed' },
};
