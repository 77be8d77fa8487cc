import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../../src/workers/platform-worker';
import { eventHoldsIdentityNumber } from '../support/pii-scan';
import { historiesOf, keptReleases, manifestOf, REGISTERED_WORKFLOW_TYPES } from './corpus';
import { replay, type ReplayOutcome } from './replayer';

const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (message: string) => process.stderr.write(`${message}\n`) };

describe('Workflows outlive releases: every kept history replays on the current workflow code', () => {
  let outcomes: Map<string, ReplayOutcome>;
  const releases = keptReleases();

  beforeAll(async () => {
    const bundle: WorkflowBundleWithSourceMap = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: quiet });
    const replayed = await replay(bundle, releases.flatMap(historiesOf));
    outcomes = new Map(replayed.map((outcome) => [`${outcome.release}/${outcome.file}`, outcome]));
  }, 180_000);

  it('keeps the corpora of at least the current and the previous release', () => {
    expect(releases.length).toBeGreaterThanOrEqual(1);
  });

  for (const release of releases) {
    describe(`release ${release}`, () => {
      const manifest = manifestOf(release);

      it('holds a history of every workflow type the worker registered then', () => {
        const types = new Set(manifest.histories.map((history) => history.workflowType));
        // A type added since is captured by the next release; one removed since must still replay, so it must still be registered.
        expect([...types].filter((type) => !REGISTERED_WORKFLOW_TYPES.includes(type))).toEqual([]);
      });

      for (const { file, workflowType, point } of manifest.histories) {
        it(`${workflowType} at ${point} replays`, () => {
          const outcome = outcomes.get(`${release}/${file}`);
          expect(outcome, `${file} was not replayed`).toBeDefined();
          expect(outcome!.failure).toBeNull();
        });
      }

      it('holds no identity number in clear, in any event of any history', () => {
        const leaks = historiesOf(release).filter((stored) => (stored.history.events ?? []).some(eventHoldsIdentityNumber));
        expect(leaks.map((stored) => stored.file)).toEqual([]);
      });
    });
  }
});
