import { describe, expect, it } from 'vitest';
import { proveUnderFaults } from '../../proof/faults/proof';

/**
 * The short form of `npm run proof:faults`: every process once or twice through the API while
 * each kind of fault strikes at least once, on servers of its own (the shared ones must not be
 * stopped under the other test files).
 */
describe('Under faults: a SIGKILLed worker, a restarted Temporal server and a stopped Postgres lose nothing and write nothing twice', () => {
  it('ends every process and keeps every invariant', { timeout: 15 * 60_000 }, async () => {
    const summary = await proveUnderFaults({
      runs: 14,
      concurrency: 4,
      seed: 15,
      postgresDownSeconds: 5,
      temporalDownSeconds: 2,
      faultGapSeconds: [5, 15],
      settleSeconds: 180,
    });
    expect(Object.values(summary.runs).reduce((a, b) => a + b, 0)).toBe(14);
    expect(summary.faults.workerKills).toBeGreaterThanOrEqual(1);
    expect(summary.faults.temporalRestarts).toBeGreaterThanOrEqual(1);
    expect(summary.faults.postgresOutages).toBeGreaterThanOrEqual(1);
    // Only the kills stop the worker: a Postgres or Temporal restart must not.
    expect(summary.faults.workerExits).toBe(0);
    expect(summary.unfinished).toEqual([]);
    // During an outage the API answers 503 unavailable (or nothing, while it cannot be reached): never a 500.
    expect(summary.faultAnswers).toBe(0);
    expect(summary.logs.lines).toBeGreaterThan(100);
    expect(summary.logs.hits).toEqual([]);
    expect(summary.invariants.filter((invariant) => invariant.violations > 0)).toEqual([]);
    expect(summary.invariants.length).toBeGreaterThan(10);
  });
});
