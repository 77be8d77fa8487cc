import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { RecordActivities, ShareOutcome, SharerKind } from '../activities/records';
import { firstProblem, sharedRecordSchema, type SharedRecord } from '../domain/record';
import type { LocalDate } from '../domain/working-days';
import { requestRescoring } from './rescoring-request';
import { SlaClock, type SlaStageHandle } from './sla-stage';

const records = proxyActivities<RecordActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface RecordSharingInput {
  sharerId: string;
  sharerKind: SharerKind;
  reference: string;
  /** Art. 10: the 7 working days run from the day the information was formed. */
  formedOn: LocalDate;
}

export type ObligationState = 'open' | 'shared' | 'withdrawn';

export interface ObligationView {
  state: ObligationState;
  dueAt: string | null;
  slaState: string | null;
  recordId: string | null;
  late: boolean | null;
}

/** The agency shares the record: validated by the record schema before anything is recorded. */
export const shareRecordUpdate = defineUpdate<ShareOutcome, [SharedRecord]>('shareRecord');
/** The agency withdraws the obligation with a reason (e.g. the information was announced in error). */
export const withdrawObligationUpdate = defineUpdate<{ state: 'withdrawn' }, [{ reason: string }]>('withdrawObligation');
/** A bulk batch stored the record; the obligation closes (sent by the batch workflow). */
export const sharedInBatchSignal = defineSignal<[{ recordId: string; late: boolean }]>('sharedInBatch');
export const obligationQuery = defineQuery<ObligationView>('obligation');

/** Thrown by the Update validator; the API answers it with a 4xx naming the field. */
export const INVALID_RECORD = 'InvalidRecord';

/**
 * Art. 10: an agency shares information within 7 working days from the day it is formed.
 * The obligation opens when the information is announced (or the record itself arrives); it is
 * reminded one working day before, flagged and escalated when late and kept open; late sharing is
 * accepted and marked late. Workflow id `record-sharing/{sharer}/{reference}`.
 */
export async function recordSharingWorkflow(input: RecordSharingInput): Promise<ObligationView> {
  const clock = new SlaClock();
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
      if (state !== 'open') throw ApplicationFailure.nonRetryable(`The obligation is already ${state}`, 'ObligationClosed');
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
      if (outcome.status === 'refused') return outcome;
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
          throw ApplicationFailure.nonRetryable(problem.message, INVALID_RECORD, problem);
        }
        if (record.reference !== input.reference) {
          throw ApplicationFailure.nonRetryable(`must be ${input.reference}, the obligation's reference`, INVALID_RECORD, { field: 'reference' });
        }
        if (state !== 'open') throw ApplicationFailure.nonRetryable(`The obligation is already ${state}`, 'ObligationClosed');
      },
    },
  );

  setHandler(
    withdrawObligationUpdate,
    async ({ reason }) => {
      await condition(() => ready);
      await records.withdrawObligation({ workflowId: workflowInfo().workflowId, reason, at: new Date().toISOString() });
      state = 'withdrawn';
      await close();
      return { state: 'withdrawn' as const };
    },
    {
      validator: ({ reason }) => {
        if (typeof reason !== 'string' || reason.trim().length < 3) {
          throw ApplicationFailure.nonRetryable('a withdrawal needs a reason', INVALID_RECORD, { field: 'reason' });
        }
        if (state !== 'open') throw ApplicationFailure.nonRetryable(`The obligation is already ${state}`, 'ObligationClosed');
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

  await records.openObligation({
    workflowId: workflowInfo().workflowId,
    sharerId: input.sharerId,
    reference: input.reference,
    formedOn: input.formedOn,
    openedAt: new Date().toISOString(),
  });
  if (clocked) {
    stage = await clock.open(
      { process: 'record-sharing', stage: 'share-record', article: 'Art. 10', workingDays: 7, responsible: { role: 'agency', agencyId: input.sharerId } },
      input.formedOn,
    );
  }
  ready = true;

  await condition(() => state !== 'open');
  await condition(allHandlersFinished);
  return view();
}
