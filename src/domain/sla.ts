/**
 * The SLA stage (DESIGN.md): every clocked step of a process is on track until one working day
 * before its due time, due soon from then, breached once the due time passes while it is still
 * open, and closes as met or breached.
 */
export type OpenSlaState = 'on-track' | 'due-soon' | 'breached';
export type SlaState = OpenSlaState | 'met';

/** The processes supervisors filter on with the `CreditProcess` search attribute. */
export type CreditProcessName = 'record-sharing' | 'objection' | 'repair' | 'declaration' | 'calendar' | (string & {});

/** Who answers for a stage: the role, and the agency when one is responsible (Art. 10, 20). */
export interface Responsible {
  role: 'agency' | 'provider' | 'ndrc' | 'institution' | 'admin';
  agencyId?: string;
}

export interface SlaStageSpec {
  process: CreditProcessName;
  /** The stage's name in the regulation's words, e.g. `share-record`, `forward-to-agency`. */
  stage: string;
  /** The article that sets the clock, e.g. `Art. 10`. */
  article: string;
  workingDays: number;
  responsible: Responsible;
}

export interface SlaTimes {
  dueAt: Date;
  remindAt: Date;
}

export function slaStateAt(now: Date, times: SlaTimes): OpenSlaState {
  if (now >= times.dueAt) return 'breached';
  if (now >= times.remindAt) return 'due-soon';
  return 'on-track';
}

/**
 * The state of an open stage after a calendar change moved its times. A stage whose reminder
 * was not sent yet stays on track so the reminder still goes out; a breach that the new
 * calendar undoes is lifted; nothing else moves backwards.
 */
export function stateAfterReschedule(previous: OpenSlaState, now: Date, times: SlaTimes): OpenSlaState {
  if (now < times.remindAt) return 'on-track';
  if (previous === 'breached' && now < times.dueAt) return 'due-soon';
  return previous;
}

/** A stage closed after its due time stays breached: late work is accepted and marked late. */
export function closingState(closedAt: Date, dueAt: Date): 'met' | 'breached' {
  return closedAt > dueAt ? 'breached' : 'met';
}

const SEVERITY: Record<SlaState, number> = { breached: 3, 'due-soon': 2, 'on-track': 1, met: 0 };

/**
 * The stage a workflow shows in its search attributes when it has several open at once (an
 * objection's in-house and forwarding clocks both run from receipt): the worst state first,
 * then the earliest due time.
 */
export function headlineStage<T extends { state: SlaState; dueAt: Date }>(stages: readonly T[]): T | undefined {
  return [...stages].sort((a, b) => SEVERITY[b.state] - SEVERITY[a.state] || a.dueAt.getTime() - b.dueAt.getTime())[0];
}
