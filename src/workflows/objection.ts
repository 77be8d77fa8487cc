import { ApplicationFailure, condition, defineQuery, defineUpdate, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ObjectionActivities, ObjectionOutcome, ObjectionTarget } from '../activities/objections';
import type { ScoringActivities } from '../activities/scoring';
import { shanghaiDayOf, type LocalDate } from '../domain/working-days';
import { HumanTasks, type TaskCompletion } from './human-task';
import { requestRescoring } from './rescoring-request';
import { SlaClock, type SlaStageHandle } from './sla-stage';

const objections = proxyActivities<ObjectionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['RecordNotFound', 'CorrectionRefused'] },
});
const scoring = proxyActivities<ScoringActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

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

export type ObjectionState = 'received' | 'in-house' | 'forwarded' | 'decided' | 'withdrawn' | 'refused';

export interface ObjectionView {
  state: ObjectionState;
  outcome: ObjectionOutcome | null;
  openTaskId: string | null;
  /** Set when the record already had an open objection. */
  openObjectionId: string | null;
}

/** The applicant withdraws before a decision. */
export const withdrawObjectionUpdate = defineUpdate<ObjectionView, [{ personId: string }]>('withdrawObjection');
export const objectionQuery = defineQuery<ObjectionView>('objection');

const DECISIONS: ObjectionOutcome[] = ['uphold', 'correct', 'remove'];

/**
 * Art. 20: a person disputes a record or their score with NDRC. From receipt NDRC has 3 working
 * days to handle it itself, or 2 to forward it to the agency that shared the record; the agency
 * then has 5 working days from receiving the forward. Each is an SLA stage and a human task.
 * Workflow id `objection/{id}`.
 */
export async function objectionWorkflow(input: ObjectionInput): Promise<ObjectionView> {
  const clock = new SlaClock();
  const tasks = new HumanTasks('objection');
  const { workflowId } = workflowInfo();
  const view: ObjectionView = { state: 'received', outcome: null, openTaskId: null, openObjectionId: null };
  let withdrawn = false;
  setHandler(objectionQuery, () => view);
  setHandler(
    withdrawObjectionUpdate,
    async () => {
      withdrawn = true;
      await condition(() => view.state === 'withdrawn');
      return view;
    },
    {
      validator: ({ personId }) => {
        if (personId !== input.personId) throw ApplicationFailure.nonRetryable('Only the applicant may withdraw the objection', 'ObjectionRefused', { field: 'personId' });
        if (view.state === 'decided' || view.state === 'withdrawn' || view.state === 'refused') {
          throw ApplicationFailure.nonRetryable(`The objection is already ${view.state}`, 'ObjectionRefused', { field: 'objectionId' });
        }
      },
    },
  );

  const filed = await objections.fileObjection({
    objectionId: input.objectionId,
    workflowId,
    personId: input.personId,
    target: input.target,
    reason: input.reason,
    evidence: input.evidence,
    receivedOn: input.receivedOn ?? shanghaiDayOf(new Date()),
    receivedAt: new Date().toISOString(),
    filedBy: input.filedBy,
  });
  if (filed.openObjectionId) {
    view.state = 'refused';
    view.openObjectionId = filed.openObjectionId;
    return view;
  }

  const open: SlaStageHandle[] = [];
  const stage = async (name: string, workingDays: number, responsible: { role: 'ndrc' } | { role: 'agency'; agencyId: string }, from?: LocalDate) => {
    const handle = await clock.open({ process: 'objection', stage: name, article: 'Art. 20', workingDays, responsible }, from);
    open.push(handle);
    return handle;
  };
  const close = async (handle: SlaStageHandle) => {
    open.splice(open.indexOf(handle), 1);
    await clock.close(handle);
  };
  const closeAll = async () => {
    for (const handle of [...open]) await close(handle);
  };
  /** Waits for a task's decision unless the applicant withdraws first. */
  const decided = async (taskId: string): Promise<TaskCompletion | undefined> => {
    view.openTaskId = taskId;
    const completion = await tasks.decision(taskId, () => withdrawn);
    view.openTaskId = null;
    if (!completion) await tasks.cancel(taskId);
    return completion;
  };

  const receivedOn = input.receivedOn ?? shanghaiDayOf(new Date());
  // Art. 20: both NDRC clocks start at receipt; whichever path NDRC takes, the other stops.
  const handleStage = await stage('ndrc-handle', 3, { role: 'ndrc' }, receivedOn);
  const forwardStage = input.target.kind === 'record' && filed.sharerId ? await stage('ndrc-forward', 2, { role: 'ndrc' }, receivedOn) : undefined;
  const context =
    input.target.kind === 'score'
      ? { target: 'score', score: await scoring.explainScore({ personId: input.personId }) }
      : { target: 'record', recordId: input.target.recordId, sharerId: filed.sharerId };

  let completion: TaskCompletion | undefined;
  let decider: 'ndrc' | 'agency' = 'ndrc';
  if (forwardStage) {
    const triage = await decided(
      await tasks.open({ kind: 'objection-triage', role: 'ndrc', subject: input.objectionId, dueAt: forwardStage.dueAt, allowedDecisions: ['handle-in-house', 'forward-to-agency'], context }),
    );
    if (triage?.decision === 'forward-to-agency') {
      view.state = 'forwarded';
      await objections.recordObjectionPath({ objectionId: input.objectionId, path: 'forwarded' });
      await close(forwardStage);
      await close(handleStage);
      // Art. 20: the agency's 5 days run from its receipt of the forward, not from the person's filing.
      const verification = await stage('agency-verification', 5, { role: 'agency', agencyId: filed.sharerId! });
      decider = 'agency';
      completion = await decided(
        await tasks.open({
          kind: 'objection-verification',
          role: 'agency',
          agencyId: filed.sharerId!,
          subject: input.objectionId,
          dueAt: verification.dueAt,
          allowedDecisions: DECISIONS,
          correctionFor: ['correct'],
          context,
        }),
      );
    } else if (triage) {
      await close(forwardStage);
    }
  }
  if (!withdrawn && decider === 'ndrc') {
    if (view.state === 'received') {
      view.state = 'in-house';
      await objections.recordObjectionPath({ objectionId: input.objectionId, path: 'in-house' });
    }
    completion = await decided(
      await tasks.open({
        kind: 'objection-decision',
        role: 'ndrc',
        subject: input.objectionId,
        dueAt: handleStage.dueAt,
        allowedDecisions: input.target.kind === 'score' ? ['uphold', 'correct'] : DECISIONS,
        correctionFor: input.target.kind === 'record' ? ['correct'] : [],
        context,
      }),
    );
  }

  if (!completion) {
    await objections.withdrawObjection({ objectionId: input.objectionId, workflowId, at: new Date().toISOString() });
    await closeAll();
    view.state = 'withdrawn';
    return view;
  }
  const outcome = completion.decision as ObjectionOutcome;
  const { personId } = await objections.decideObjection({
    objectionId: input.objectionId,
    workflowId,
    outcome,
    reasons: completion.reasons,
    decidedBy: completion.actor.subject,
    ...(completion.correction ? { correction: completion.correction } : {}),
    at: new Date().toISOString(),
  });
  await closeAll();
  await requestRescoring([personId], `objection-${outcome}`);
  view.state = 'decided';
  view.outcome = outcome;
  return view;
}
