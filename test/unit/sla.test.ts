import { describe, expect, it } from 'vitest';
import { closingState, headlineStage, slaStateAt, stateAfterReschedule } from '../../src/domain/sla';

const times = { remindAt: new Date('2026-10-09T16:00:00Z'), dueAt: new Date('2026-10-10T16:00:00Z') };

describe('SLA stage states', () => {
  it('is on track, then due soon one working day before, then breached at the due time', () => {
    expect(slaStateAt(new Date('2026-10-09T15:59:59Z'), times)).toBe('on-track');
    expect(slaStateAt(new Date('2026-10-09T16:00:00Z'), times)).toBe('due-soon');
    expect(slaStateAt(new Date('2026-10-10T16:00:00Z'), times)).toBe('breached');
  });

  it('closes as met up to the due time and breached after it (late work is accepted, marked late)', () => {
    expect(closingState(new Date('2026-10-10T16:00:00Z'), times.dueAt)).toBe('met');
    expect(closingState(new Date('2026-10-10T16:00:01Z'), times.dueAt)).toBe('breached');
  });

  it('lifts a breach that a calendar change undoes, and keeps an unsent reminder pending', () => {
    const now = new Date('2026-10-11T01:00:00Z');
    const later = { remindAt: new Date('2026-10-10T16:00:00Z'), dueAt: new Date('2026-10-12T16:00:00Z') };
    expect(stateAfterReschedule('breached', now, later)).toBe('due-soon');
    expect(stateAfterReschedule('on-track', now, later)).toBe('on-track');
    expect(stateAfterReschedule('due-soon', new Date('2026-10-09T00:00:00Z'), later)).toBe('on-track');
  });

  it('shows the worst open stage first, then the earliest due', () => {
    const a = { name: 'forward', state: 'on-track' as const, dueAt: new Date('2026-10-09T16:00:00Z') };
    const b = { name: 'in-house', state: 'due-soon' as const, dueAt: new Date('2026-10-12T16:00:00Z') };
    const c = { name: 'other', state: 'on-track' as const, dueAt: new Date('2026-10-08T16:00:00Z') };
    expect(headlineStage([a, b, c])?.name).toBe('in-house');
    expect(headlineStage([a, c])?.name).toBe('other');
    expect(headlineStage([])).toBeUndefined();
  });
});
