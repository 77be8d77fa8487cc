import { describe, expect, it } from 'vitest';
import { proveUpgrade } from '../../proof/upgrade/proof';
import { workflowTypesOf } from '../replay/corpus';

describe('Workflows outlive releases: the previous release replaced by this one with a process of every type in flight', () => {
  it('ends every process as it would have, each having run on both releases, with no workflow task failed and every invariant held', async () => {
    // The short form of `npm run proof:upgrade`: event rescorings are seen computing on the new release, not waited for to close.
    const summary = await proveUpgrade({ waitForIdleClose: false, log: () => undefined });
    expect(summary.problems).toEqual([]);
    expect(summary.workflowTaskFailures).toBe(0);
    expect(summary.invariants.filter((invariant) => invariant.violations > 0)).toEqual([]);
    expect(Object.keys(summary.inFlight).sort()).toEqual(workflowTypesOf(summary.from.release));
    expect(summary.tasks.after).toBeGreaterThan(0);
  }, 600_000);
});
