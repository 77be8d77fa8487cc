import { bundleWorkflowCode } from '@temporalio/worker';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root';
import { expectedWarnings } from '../support/quiet-runtime';
import { historiesOf, keptReleases } from './corpus';
import { replay } from './replayer';

const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The current workflow code, copied into a scratch folder inside the project (so its packages
 * resolve), with one workflow file changed as a careless release would change it, then bundled.
 */
async function mutatedBundle(file: string, from: string, to: string) {
  mkdirSync(join(projectRoot, 'scratch'), { recursive: true });
  const scratch = mkdtempSync(join(projectRoot, 'scratch', 'replay-'));
  try {
    cpSync(join(projectRoot, 'src'), join(scratch, 'src'), { recursive: true });
    const path = join(scratch, 'src', 'workflows', file);
    const code = readFileSync(path, 'utf8');
    if (!code.includes(from)) throw new Error(`${file} no longer reads as this test expects: update the mutation`);
    writeFileSync(path, code.replace(from, to));
    return await bundleWorkflowCode({
      workflowsPath: join(scratch, 'src', 'workflows', 'index.ts'),
      workflowInterceptorModules: [join(scratch, 'src', 'workflows', 'shared', 'failures-recorded.ts')],
      logger: quiet,
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const newest = () => historiesOf(keptReleases().at(-1)!);

describe('Workflows outlive releases: the replay guard bites', () => {
  // The mutated code's replays fail on purpose: their warnings are the expected outcome.
  const nondeterminism = /Nondeterminism error/;
  beforeAll(() => {
    expectedWarnings.push(nondeterminism);
  });
  afterAll(() => {
    expectedWarnings.splice(expectedWarnings.indexOf(nondeterminism), 1);
  });

  it('fails a workflow whose two steps were swapped, naming its type, the history and the first event that differs', async () => {
    const swapped = await mutatedBundle(
      'objection/objection.ts',
      "      await objections.recordObjectionPath({ objectionId: input.objectionId, path: 'forwarded' });\n      await close(forwardStage);\n",
      "      await close(forwardStage);\n      await objections.recordObjectionPath({ objectionId: input.objectionId, path: 'forwarded' });\n",
    );
    const outcomes = await replay(swapped, newest().filter((stored) => stored.workflowType === 'objectionWorkflow'));
    const failed = outcomes.filter((outcome) => outcome.failure !== null);
    expect(failed.map((outcome) => outcome.file)).toContain('objection-forwarded-corrected.json');
    // Objections never forwarded run the same commands as before: they still replay.
    expect(outcomes.find((outcome) => outcome.file === 'objection-in-house-removed.json')?.failure).toBeNull();
    expect(failed.find((outcome) => outcome.file === 'objection-forwarded-corrected.json')!.failure).toMatch(
      /^objectionWorkflow in [^/]+\/objection-forwarded-corrected\.json: DeterminismViolationError; first differing event: #\d+ ActivityTaskScheduled \(recordObjectionPath\)\n/,
    );
  }, 120_000);

  it('fails a workflow given one more step', async () => {
    const added = await mutatedBundle(
      'records/change.ts',
      '  const { workflowId } = workflowInfo();\n',
      "  const { workflowId } = workflowInfo();\n  await requestRescoring([], 'one step more');\n",
    );
    const outcomes = await replay(added, newest().filter((stored) => stored.workflowType === 'recordChangeWorkflow'));
    expect(outcomes.length).toBeGreaterThan(0);
    for (const outcome of outcomes) expect(outcome.failure).toMatch(/^recordChangeWorkflow in .*: DeterminismViolationError/);
  }, 120_000);
});
