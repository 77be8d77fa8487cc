import { condition, proxyActivities, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import type { TaskActivities } from '../../activities/shared/tasks';
import { isCountableDay } from '../../domain/input';
import { recordCorrectionSchema } from '../../domain/record';
import type { Role } from '../../domain/roles';
import { databaseStepOptions } from './activity-options';
import type { SlaStageHandle } from './sla-clock';
import {
  claimTaskUpdate,
  completeTaskUpdate,
  INVALID_DECISION,
  refusal,
  remindTaskUpdate,
  TASK_CLOSED,
  TASK_FORBIDDEN,
  type DecisionInputs,
  type TaskActor,
  type TaskClaim,
  type TaskCompletion,
  type TaskReminder,
  type Wording,
} from './contract';
import type { CurrentDetails } from './current-details';

const tasks = proxyActivities<TaskActivities>(databaseStepOptions);

export interface TaskSpec {
  kind: string;
  role: Role;
  agencyId?: string;
  /** What the task is about, an opaque id (e.g. the objection's). */
  subject: string;
  /** What the task asks of its role, as a verb phrase for the workflow's current details: `核查、处理异议` / `verify and handle the objection`. */
  asks: Wording;
  /** The clocked stage the task belongs to: the task is due when the stage is. */
  stage?: SlaStageHandle;
  allowedDecisions: string[];
  /** Decisions that must carry a record correction. */
  correctionFor?: string[];
  /** The records such a correction may be for, named by the decision's `recordId`; absent, the task's own record. */
  correctionOf?: string[];
  /** Decisions that must carry a schedule: 1 to `maxDays` days, ascending, all after `after`. */
  scheduleFor?: NonNullable<DecisionInputs['schedule']>;
  context?: Record<string, unknown>;
}

interface OpenTask {
  spec: TaskSpec;
  state: 'open' | 'completed' | 'cancelled';
  claimedBy: string | null;
  events: number;
  /** A claim or a decision is being recorded: the task changes only once it is, and nothing else may change it meanwhile. */
  changing: boolean;
  completion?: TaskCompletion;
}

function refuse(type: string, message: string, field: string): never {
  throw refusal(type, message, field);
}

/**
 * The human-task mechanism (DESIGN.md), one per workflow run, created before the first `await`.
 * A task is a row in `tasks` for the reviewers' inbox; the workflow waits on `completeTask`, and
 * its current details say whom it waits for, for what and until when while the task is open.
 */
export class HumanTasks {
  private readonly tasks = new Map<string, OpenTask>();

  /** The tasks of one process about one person: `personId` is whose data the reviewers read. */
  constructor(
    private readonly process: string,
    private readonly personId: string,
    private readonly details: CurrentDetails,
  ) {
    setHandler(completeTaskUpdate, (completion) => this.complete(completion), { validator: (completion) => this.validate(completion) });
    setHandler(
      claimTaskUpdate,
      async ({ taskId, actor, claim }: TaskClaim) => {
        const task = this.tasks.get(taskId)!;
        // A supervisor ending someone else's claim: the trail says whose claim it ended.
        const releasedFrom = !claim && task.claimedBy !== actor.subject ? task.claimedBy : null;
        await this.recorded(task, (seq) =>
          tasks.claimTask({ taskId, seq, at: new Date().toISOString(), actor: actor.subject, claim, ...(releasedFrom ? { detail: { releasedFrom } } : {}) }),
        );
        task.claimedBy = claim ? actor.subject : null;
        return { taskId, claimedBy: task.claimedBy };
      },
      {
        validator: ({ taskId, actor, claim }) => {
          const task = this.openTask(taskId);
          if (!claim && actor.role === 'supervisor') {
            if (!task.claimedBy) refuse(TASK_CLOSED, `Task ${taskId} is not claimed`, 'taskId');
            return;
          }
          this.checkActor(task, actor);
          if (claim && task.claimedBy && task.claimedBy !== actor.subject) refuse(TASK_CLOSED, `Task ${taskId} is claimed by another reviewer`, 'taskId');
          if (!claim && task.claimedBy !== actor.subject) refuse(TASK_CLOSED, `Task ${taskId} is not claimed by you`, 'taskId');
        },
      },
    );
    setHandler(remindTaskUpdate, (reminder) => this.remind(reminder), {
      validator: ({ taskId, actor }) => {
        this.openTask(taskId);
        if (actor.role !== 'supervisor') refuse(TASK_FORBIDDEN, `Only a supervisor sends a reminder, not ${actor.role}`, 'role');
      },
    });
  }

  async open(spec: TaskSpec): Promise<string> {
    const taskId = uuid4();
    this.tasks.set(taskId, { spec, state: 'open', claimedBy: null, events: 1, changing: false });
    await tasks.createTask({
      taskId,
      workflowId: workflowInfo().workflowId,
      process: this.process,
      kind: spec.kind,
      role: spec.role,
      agencyId: spec.agencyId ?? null,
      subject: spec.subject,
      personId: this.personId,
      slaStageKey: spec.stage?.key ?? null,
      allowedDecisions: spec.allowedDecisions,
      decisionInputs: { correction: spec.correctionFor ?? [], schedule: spec.scheduleFor ?? null, ...(spec.correctionOf ? { correctionOf: spec.correctionOf } : {}) },
      context: spec.context ?? {},
      at: new Date().toISOString(),
    });
    this.details.waitFor(taskId, { who: { role: spec.role, agencyId: spec.agencyId }, what: spec.asks, until: spec.stage });
    return taskId;
  }

  /** Waits for the task's decision (or for `stop` to become true, returning undefined). */
  async decision(taskId: string, stop: () => boolean = () => false): Promise<TaskCompletion | undefined> {
    const task = this.tasks.get(taskId)!;
    await condition(() => task.completion !== undefined || stop());
    return task.completion;
  }

  async cancel(taskId: string): Promise<void> {
    const task = this.tasks.get(taskId);
    // A decision being recorded as the process stops waiting for it stands, as a decision taken the moment before would.
    if (task?.changing) await condition(() => !task.changing);
    if (!task || task.state !== 'open') return;
    task.state = 'cancelled';
    task.events += 1;
    this.details.over(taskId);
    await tasks.cancelTask({ taskId, seq: task.events, at: new Date().toISOString(), actor: null });
  }

  private openTask(taskId: string): OpenTask {
    const task = this.tasks.get(taskId);
    if (!task) refuse(TASK_CLOSED, `Task ${taskId} does not belong to this process`, 'taskId');
    if (task.state !== 'open') refuse(TASK_CLOSED, `Task ${taskId} is no longer open (${task.state})`, 'taskId');
    if (task.changing) refuse(TASK_CLOSED, `Task ${taskId} is being decided or claimed by another request: try again`, 'taskId');
    return task;
  }

  /**
   * Records a change of the task (its next event) and only then lets the caller change the task.
   * A change its activity fails to record (data Postgres refuses for good) leaves the task as it
   * was, open and decidable; the failure answers the request that asked for it.
   */
  private async recorded(task: OpenTask, record: (seq: number) => Promise<void>): Promise<void> {
    task.changing = true;
    try {
      await record(task.events + 1);
      task.events += 1;
    } finally {
      task.changing = false;
    }
  }

  /**
   * A task for an organisation (the one that shared the record, verifies or decides) is for
   * whoever holds its token, an agency's or a market provider's alike; any other task is its role's.
   */
  private checkActor(task: OpenTask, actor: TaskActor): void {
    if (task.spec.agencyId) {
      if ((actor.role !== 'agency' && actor.role !== 'provider') || actor.agencyId !== task.spec.agencyId) {
        refuse(TASK_FORBIDDEN, `This task is for the organisation ${task.spec.agencyId}`, 'agency');
      }
    } else if (actor.role !== task.spec.role) {
      refuse(TASK_FORBIDDEN, `This task is for the role ${task.spec.role}, not ${actor.role}`, 'role');
    }
  }

  /** A reminder goes to whoever holds the task: its claimant, or else the organisation or role it is for. */
  private async remind({ taskId, actor }: TaskReminder): Promise<{ taskId: string; remindedTo: string }> {
    const task = this.tasks.get(taskId)!;
    const recipient = { role: task.spec.role, id: task.claimedBy ?? task.spec.agencyId ?? null };
    await this.recorded(task, (seq) => tasks.remindTask({ taskId, seq, at: new Date().toISOString(), actor: actor.subject, workflowId: workflowInfo().workflowId, recipient }));
    return { taskId, remindedTo: recipient.id ?? recipient.role };
  }

  private validate(completion: TaskCompletion): void {
    const task = this.openTask(completion.taskId);
    this.checkActor(task, completion.actor);
    if (task.claimedBy && task.claimedBy !== completion.actor.subject) refuse(TASK_CLOSED, `Task ${completion.taskId} is claimed by another reviewer`, 'taskId');
    if (!task.spec.allowedDecisions.includes(completion.decision)) {
      refuse(INVALID_DECISION, `decision must be one of ${task.spec.allowedDecisions.join(', ')}`, 'decision');
    }
    if (typeof completion.reasons !== 'string' || completion.reasons.trim().length < 3) refuse(INVALID_DECISION, 'a decision needs its reasons', 'reasons');
    if (task.spec.correctionFor?.includes(completion.decision)) {
      const parsed = recordCorrectionSchema.safeParse(completion.correction);
      if (!parsed.success) refuse(INVALID_DECISION, `a ${completion.decision} decision needs the corrected record: ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}`, 'correction');
      if (task.spec.correctionOf && !task.spec.correctionOf.includes(completion.recordId ?? '')) {
        refuse(INVALID_DECISION, `a ${completion.decision} decision names the record it corrects: one of ${task.spec.correctionOf.join(', ')}`, 'recordId');
      }
    }
    if (completion.recordId !== undefined && !(task.spec.correctionOf && task.spec.correctionFor?.includes(completion.decision))) {
      refuse(INVALID_DECISION, `a ${completion.decision} decision on this task names no record`, 'recordId');
    }
    const schedule = task.spec.scheduleFor;
    // What a decision does not carry is refused, not recorded beside it.
    if (completion.correction !== undefined && !task.spec.correctionFor?.includes(completion.decision)) refuse(INVALID_DECISION, `a ${completion.decision} decision takes no correction`, 'correction');
    if (completion.schedule !== undefined && !schedule?.decisions.includes(completion.decision)) refuse(INVALID_DECISION, `a ${completion.decision} decision takes no schedule`, 'schedule');
    if (schedule?.decisions.includes(completion.decision)) {
      const days = completion.schedule;
      const fits =
        Array.isArray(days) &&
        days.length >= 1 &&
        days.length <= schedule.maxDays &&
        days.every((day, i) => typeof day === 'string' && isCountableDay(day) && day > (i === 0 ? schedule.after : days[i - 1]!));
      if (!fits) refuse(INVALID_DECISION, `a ${completion.decision} decision needs its schedule: 1 to ${schedule.maxDays} days, ascending, after ${schedule.after}`, 'schedule');
    }
    const amounts = completion.amountsYuan;
    if (amounts !== undefined) {
      const fit = Array.isArray(amounts) && amounts.length === completion.schedule?.length && amounts.every((amount) => typeof amount === 'number' && Number.isFinite(amount) && amount > 0);
      if (!fit) refuse(INVALID_DECISION, 'amountsYuan needs one positive amount for each day of the schedule', 'amountsYuan');
    }
  }

  private async complete(completion: TaskCompletion): Promise<{ taskId: string; decision: string }> {
    const task = this.tasks.get(completion.taskId)!;
    // While it is recorded, a second completion is refused by the validator (the task is changing).
    await this.recorded(task, (seq) =>
      tasks.completeTask({
        taskId: completion.taskId,
        seq,
        at: new Date().toISOString(),
        actor: completion.actor.subject,
        decision: {
          decision: completion.decision,
          reasons: completion.reasons,
          ...(completion.correction ? { correction: completion.correction } : {}),
          ...(completion.recordId ? { recordId: completion.recordId } : {}),
          ...(completion.schedule ? { schedule: completion.schedule } : {}),
          ...(completion.amountsYuan ? { amountsYuan: completion.amountsYuan } : {}),
        },
      }),
    );
    task.state = 'completed';
    this.details.over(completion.taskId);
    task.completion = completion;
    return { taskId: completion.taskId, decision: completion.decision };
  }
}
