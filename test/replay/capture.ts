import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { projectRoot } from '../../src/project-root';
import { eventHoldsIdentityNumber } from '../support/pii-scan';
import { startCaptureBed } from './capture-bed';
import { HISTORIES_DIR, REGISTERED_WORKFLOW_TYPES, type Manifest } from './corpus';
import { Driver } from './driver';
import { accessScenario } from './scenarios/access';
import { declarationScenario } from './scenarios/declaration';
import { objectionScenario } from './scenarios/objection';
import { recordsScenario } from './scenarios/records';
import { repairScenario } from './scenarios/repair';
import { upkeepScenario } from './scenarios/upkeep';

/**
 * `npm run replay:capture [-- <release>]`: drives every workflow type of the current code to its
 * waiting points on a time-skipping server and stores each history under
 * test/replay/histories/<release>/ (the package's version by default). A release's corpus is
 * captured once, when it is cut; it is never rewritten.
 */
async function capture(): Promise<void> {
  const release = process.argv[2] ?? (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const outDir = join(HISTORIES_DIR, release);
  if (existsSync(join(outDir, 'manifest.json'))) throw new Error(`The corpus of ${release} exists already: a release's histories are never captured again (delete ${outDir} only if ${release} never ran anywhere)`);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  process.stderr.write(`Capturing the replay corpus of release ${release} into ${outDir}\n`);

  const bed = await startCaptureBed(outDir);
  const d = new Driver(bed);
  try {
    await d.registerOrganisations();
    const scenarios = [recordsScenario(), objectionScenario(), repairScenario(), declarationScenario(), accessScenario(), upkeepScenario()];
    for (const scenario of scenarios) await scenario.open(d);
    // Two working weeks: every reminder and breach watched fires, and the records near their maximum period reach it.
    await d.passDays(14);
    for (const scenario of scenarios) await scenario.closing?.(d);
    // A season: repair windows, authorizations and idle rescorings run out.
    await bed.skip('100 days');
    for (const scenario of scenarios) await scenario.lapsed?.(d);
  } finally {
    await bed.stop();
  }

  const missing = REGISTERED_WORKFLOW_TYPES.filter((type) => !d.saved.some((saved) => saved.workflowType === type));
  if (missing.length > 0) throw new Error(`No history of ${missing.join(', ')}: every registered workflow type needs one`);
  for (const saved of d.saved) {
    const history = historyFromJSON(JSON.parse(readFileSync(join(outDir, saved.file), 'utf8')));
    if ((history.events ?? []).some(eventHoldsIdentityNumber)) throw new Error(`${saved.file} holds an identity number in clear`);
  }
  const manifest: Manifest = {
    release,
    commit: execFileSync('git', ['rev-parse', 'HEAD'], { cwd: projectRoot, encoding: 'utf8' }).trim(),
    capturedAt: new Date().toISOString(),
    histories: d.saved.sort((a, b) => a.file.localeCompare(b.file)),
  };
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  process.stderr.write(`${d.saved.length} histories of ${REGISTERED_WORKFLOW_TYPES.length} workflow types stored in ${outDir}\n`);
}

capture().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
