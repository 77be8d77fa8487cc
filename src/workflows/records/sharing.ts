import { allHandlersFinished, condition, patched, proxyActivities, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import type { RecordActivities } from '../../activities/records';
import { firstProblem, sharedRecordSchema } from '../../domain/record';
import { databaseStepOptions } from '../shared/activity-options';
import { refusal } from '../shared/contract';
import { CurrentDetails } from '../shared/current-details';
import { requestRescoring } from '../shared/rescoring-request';
import { SlaClock, type SlaStageHandle } from '../shared/sla-clock';
import {
  INVALID_RECORD,
  RECORD_REFUSED,
  OBLIGATION_CLOSED,
  obligationQuery,
  sharedInBatchSignal,
  shareRecordStage,
  shareRecordUpdate,
  withdrawObligationUpdate,
  type ObligationState,
  type ObligationView,
  type RecordSharingInput,
} from './contract';

const records = proxyActivities<RecordActivities>(databaseStepOptions);

/** Since 0.3.0: the obligation's first step finds whether its record was shared already (storeShareOnTime). */
const OBLIGATION_MET_BEFORE_OPENING = 'obligation-met-before-opening';

/**
 * Art. 10: an agency shares information within 7 working days from the day it is formed.
 * The obligation opens when the information is announced (or the record itself arrives); it is
 * reminded one working day before, flagged and escalated when late and kept open; late sharing is
 * accepted and marked late. Workflow id `record-sharing/{sharer}/{reference}`.
 */
export async function recordSharingWorkflow(input: RecordSharingInput): Promise<ObligationView> {
  const details = new CurrentDetails();
  const clock = new SlaClock(details);
  let state: ObligationState = 'open';
  let stage: SlaStageHandle | undefined;
  let recordId: string | null = null;
  let late: boolean | null = null;
  // Market providers answer for their information (Art. 10, second paragraph) but have no sharing deadline.
  const clocked = input.sharerKind === 'agency';
  let ready = false;

  const view = (): ObligationView => ({
    state,
    dueAt: stage ? stage.dueAt.toISOString() : null,
    slaState: stage ? stage.state : null,
    provisional: stage ? stage.provisional : null,
    recordId,
    late,
  });
  setHandler(obligationQuery, view);

  const close = async () => {
    if (stage) late = (await clock.close(stage)) === 'breached';
    else late = false;
  };

  setHandler(
    shareRecordUpdate,
    async (record) => {
      await condition(() => ready);
      if (state !== 'open') throw refusal(OBLIGATION_CLOSED, `The obligation is already ${state}`, 'reference');
      const sharedAt = new Date();
      const outcome = await records.storeSharedRecord({
        workflowId: workflowInfo().workflowId,
        recordId: uuid4(),
        sharerId: input.sharerId,
        sharerKind: input.sharerKind,
        record,
        sharedAt: sharedAt.toISOString(),
        late: stage ? sharedAt > stage.dueAt : false,
      });
      // A 0.2.0 activity returned its refusal as a value; the obligation stays open, as when it is thrown.
      if ((outcome as { status: string }).status === 'refused') {
        const legacy = outcome as unknown as { field: string; reason: string };
        throw refusal(RECORD_REFUSED, legacy.reason, `body.${legacy.field}`);
      }
      recordId = outcome.recordId;
      state = 'shared';
      if (outcome.status === 'accepted') await requestRescoring([outcome.personId], 'record-added');
      await close();
      return outcome;
    },
    {
      validator: (record) => {
        const parsed = sharedRecordSchema.safeParse(record);
        if (!parsed.success) {
          const problem = firstProblem(parsed.error);
          throw refusal(INVALID_RECORD, problem.message, problem.field);
        }
        if (record.reference !== input.reference) {
          throw refusal(INVALID_RECORD, `must be ${input.reference}, the obligation's reference`, 'reference');
        }
        if (state !== 'open') throw refusal(OBLIGATION_CLOSED, `The obligation is already ${state}`, 'reference');
      },
    },
  );

  setHandler(
    withdrawObligationUpdate,
    async ({ reason }) => {
      await condition(() => ready);
      // Met on arrival before this run's first step (OBLIGATION_MET_BEFORE_OPENING): nothing is left to withdraw.
      if (patched(OBLIGATION_MET_BEFORE_OPENING) && state !== 'open') throw refusal(OBLIGATION_CLOSED, `The obligation is already ${state}`, 'reference');
      await records.withdrawObligation({ workflowId: workflowInfo().workflowId, reason, at: new Date().toISOString() });
      state = 'withdrawn';
      await close();
      return { state: 'withdrawn' as const };
    },
    {
      validator: ({ reason }) => {
        if (typeof reason !== 'string' || reason.trim().length < 3) {
          throw refusal(INVALID_RECORD, 'a withdrawal needs a reason', 'reason');
        }
        if (state !== 'open') throw refusal(OBLIGATION_CLOSED, `The obligation is already ${state}`, 'reference');
      },
    },
  );

  setHandler(sharedInBatchSignal, async (shared) => {
    await condition(() => ready);
    if (state !== 'open') return;
    state = 'shared';
    recordId = shared.recordId;
    await close();
    // The batch judged lateness at the moment it stored the record; the record and the obligation agree.
    late = shared.late;
    await records.closeObligationShared({ workflowId: workflowInfo().workflowId, late, at: new Date().toISOString() });
  });

  const opened = await records.openObligation({
    workflowId: workflowInfo().workflowId,
    sharerId: input.sharerId,
    reference: input.reference,
    formedOn: input.formedOn,
    openedAt: new Date().toISOString(),
  });
  // The record came on time, with no obligation announced, and was stored without a workflow
  // between this one's start and its first step: the obligation is met, with nothing to watch.
  if (patched(OBLIGATION_MET_BEFORE_OPENING) && opened?.state === 'shared') {
    state = 'shared';
    recordId = opened.recordId;
    late = opened.late;
  } else if (clocked) {
    stage = await clock.open(shareRecordStage(input.sharerId), input.formedOn);
  }
  ready = true;
  details.waitFor('share', {
    who: { role: input.sharerKind, agencyId: input.sharerId },
    what: { zh: `共享 ${input.formedOn} 形成的信用信息`, en: `share the information formed on ${input.formedOn}` },
    until: stage,
  });

  await condition(() => state !== 'open');
  await condition(allHandlersFinished);
  const closed = view();
  details.end(
    closed.state === 'withdrawn'
      ? { zh: '义务已撤回', en: 'Withdrawn by the sharer' }
      : closed.late
        ? { zh: '已共享（逾期）', en: 'Shared late' }
        : { zh: '已共享', en: 'Shared' },
  );
  return closed;
}
