import { allHandlersFinished, condition, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ObjectionActivities } from '../../activities/objection';
import { shanghaiDayOf, type LocalDate } from '../../domain/working-days';
import { databaseStepOptions } from '../shared/activity-options';
import { NOT_THE_APPLICANT, partyWording, refusal, type TaskCompletion } from '../shared/contract';
import { CurrentDetails } from '../shared/current-details';
import { OBJECTION_WORDING } from './wording';
import { Filing } from '../shared/filing';
import { HumanTasks, type TaskSpec } from '../shared/human-tasks';
import { requestRescoring } from '../shared/rescoring-request';
import { SlaClock, type SlaStageHandle } from '../shared/sla-clock';
import {
  fileObjectionUpdate,
  OBJECTION_CLOSED,
  objectionQuery,
  withdrawObjectionUpdate,
  type ObjectionInput,
  type ObjectionOutcome,
  type ObjectionView,
} from './contract';

const objections = proxyActivities<ObjectionActivities>(databaseStepOptions);

const DECISIONS: ObjectionOutcome[] = ['uphold', 'correct', 'remove'];

/**
 * Art. 20, PIPL art. 24: an objection to the score is corrected by correcting one of the records
 * the score counts (the decision names it), then rescoring; with none counting there is nothing
 * to correct, and `correct` is not offered.
 */
function scoreDecisions(counted: string[]): Pick<TaskSpec, 'allowedDecisions' | 'correctionFor' | 'correctionOf'> {
  if (counted.length === 0) return { allowedDecisions: ['uphold'] };
  return { allowedDecisions: ['uphold', 'correct'], correctionFor: ['correct'], correctionOf: [...new Set(counted)] };
}

/**
 * Art. 20: a person disputes a record or their score with NDRC. From receipt NDRC has 3 working
 * days to handle it itself, or 2 to forward it to the agency that shared the record; the agency
 * then has 5 working days from receiving the forward. Each is an SLA stage and a human task.
 * Workflow id `objection/{id}`.
 */
export async function objectionWorkflow(input: ObjectionInput): Promise<ObjectionView> {
  const details = new CurrentDetails();
  const clock = new SlaClock(details);
  const tasks = new HumanTasks('objection', input.personId, details);
  const { workflowId } = workflowInfo();
  const view: ObjectionView = { state: 'received', outcome: null, openTaskId: null };
  let withdrawn = false;
  const filing = new Filing(fileObjectionUpdate, () => view);
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
        if (personId !== input.personId) throw refusal(NOT_THE_APPLICANT, 'Only the applicant may withdraw the objection', 'personId');
        if (view.state === 'decided' || view.state === 'withdrawn' || view.state === 'refused') {
          throw refusal(OBJECTION_CLOSED, `The objection is already ${view.state}`, 'objectionId');
        }
      },
    },
  );

  const filed = await filing.file(() =>
    objections.fileObjection({
      objectionId: input.objectionId,
      workflowId,
      personId: input.personId,
      target: input.target,
      reason: input.reason,
      evidence: input.evidence,
      receivedOn: input.receivedOn ?? shanghaiDayOf(new Date()),
      receivedAt: new Date().toISOString(),
      filedBy: input.filedBy,
    }),
  );
  if (!filed) {
    // Refused (a record with an open objection, an unknown person or record): nothing was
    // recorded, and the caller learns why from fileObjection.
    view.state = 'refused';
    details.end(OBJECTION_WORDING.refusedAtFiling);
    await condition(allHandlersFinished);
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
  // What a reviewer opens the task to see: the applicant's reason and evidence, and the record or
  // the score's breakdown objected to.
  const objected = { reason: input.reason, evidence: input.evidence };
  const score = input.target.kind === 'score' ? await objections.explainScore({ personId: input.personId }) : null;
  const context =
    input.target.kind === 'score'
      ? { target: 'score', humanReview: input.target.humanReview === true, ...objected, score }
      : { target: 'record', recordId: input.target.recordId, sharerId: filed.sharerId, ...objected };

  let completion: TaskCompletion | undefined;
  let decider: 'ndrc' | 'agency' = 'ndrc';
  if (forwardStage) {
    const triage = await decided(
      await tasks.open({
        kind: 'objection-triage',
        role: 'ndrc',
        subject: input.objectionId,
        asks: OBJECTION_WORDING.triage(filed.sharerId),
        stage: forwardStage,
        allowedDecisions: ['handle-in-house', 'forward-to-agency'],
        context,
      }),
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
          asks: OBJECTION_WORDING.verification,
          stage: verification,
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
        asks: OBJECTION_WORDING.decision(input.target.kind),
        stage: handleStage,
        ...(input.target.kind === 'record'
          ? { allowedDecisions: DECISIONS, correctionFor: ['correct'] }
          : patched('score-objection-corrects-a-record')
            ? scoreDecisions(score?.breakdown.lines.map((line) => line.recordId) ?? [])
            : { allowedDecisions: ['uphold', 'correct'], correctionFor: [] }),
        context,
      }),
    );
  }

  if (!completion) {
    await objections.withdrawObjection({ objectionId: input.objectionId, workflowId, at: new Date().toISOString() });
    await closeAll();
    view.state = 'withdrawn';
    details.end(OBJECTION_WORDING.withdrawn);
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
    ...(completion.recordId ? { recordId: completion.recordId } : {}),
    at: new Date().toISOString(),
  });
  await closeAll();
  await requestRescoring([personId], `objection-${outcome}`);
  view.state = 'decided';
  view.outcome = outcome;
  details.end(OBJECTION_WORDING.decided(partyWording(decider === 'agency' ? { role: 'agency', agencyId: filed.sharerId! } : { role: 'ndrc' }), outcome));
  return view;
}
