// The workflow bundle of the tests: the platform's workflows plus the probes below.
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import type { SlaStageSpec } from '../../src/domain/sla';
import type { LocalDate } from '../../src/domain/working-days';
import { CurrentDetails } from '../../src/workflows/shared/current-details';
import { SlaClock, type SlaStageHandle } from '../../src/workflows/shared/sla-clock';

export * from '../../src/workflows';

export const finishSignal = defineSignal('finish');
export const stageQuery = defineQuery<{ state: string; dueAt: string; provisional: boolean } | null>('stage');

/** Holds one SLA stage open until told to finish, the way a real process would around its work. */
export async function slaProbeWorkflow(spec: SlaStageSpec, startDay?: LocalDate): Promise<'met' | 'breached'> {
  const clock = new SlaClock(new CurrentDetails());
  let finished = false;
  setHandler(finishSignal, () => {
    finished = true;
  });
  const opened: { stage?: SlaStageHandle } = {};
  setHandler(stageQuery, () => {
    const { stage } = opened;
    return stage ? { state: stage.state, dueAt: stage.dueAt.toISOString(), provisional: stage.provisional } : null;
  });
  opened.stage = await clock.open(spec, startDay);
  await condition(() => finished);
  return clock.close(opened.stage);
}

/** Returns its input: a workflow whose history holds what it was given. */
export async function echoWorkflow<T>(input: T): Promise<T> {
  return input;
}
