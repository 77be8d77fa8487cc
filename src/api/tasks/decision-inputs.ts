import { shanghaiDayOf } from '../../domain/working-days';
import type { DecisionInputs } from '../../workflows/shared/contract';

/**
 * What a task's decisions carry beyond their reasons, as its workflow said when it opened the
 * task; a task opened before workflows said so (before 0.3.0) is read by the rule its kind
 * followed then: an objection about a record is corrected with the corrected record, a repair's
 * deferral is granted with its instalments' days, after the day the task was opened.
 */
export function decisionInputsOf(task: { kind: string; context: Record<string, unknown>; decision_inputs: DecisionInputs | null; created_at: Date }): DecisionInputs {
  if (task.decision_inputs) return task.decision_inputs;
  const aboutRecord = task.context.target === 'record';
  if ((task.kind === 'objection-verification' || task.kind === 'objection-decision') && aboutRecord) return { correction: ['correct'], schedule: null };
  const terms = task.context.terms as { maxInstalments?: unknown } | undefined;
  if (task.kind === 'repair-deferral' && typeof terms?.maxInstalments === 'number') {
    return { correction: [], schedule: { decisions: ['grant'], maxDays: terms.maxInstalments, after: shanghaiDayOf(task.created_at) } };
  }
  return { correction: [], schedule: null };
}
