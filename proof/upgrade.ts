/**
 * `npm run proof:upgrade [-- --from <release>] [--quick]`: the previous kept release (the newest
 * in test/replay/histories by default) runs the platform from a git worktree with a process of
 * every workflow type in flight; it is replaced by the current release's worker (a version of the
 * Worker Deployment, made current at start) and API while Postgres is down; every process is then
 * driven to its end, the event rescorings included (they close 10 minutes after their last
 * request; `--quick` stops short of that, as the short form in `npm test` does). Prints what ran
 * where and every violation; exits non-zero on any.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { parseArgs } from 'node:util';
import { report } from '../bench/support';
import { proveUpgrade } from './upgrade/proof';

const { values } = parseArgs({ options: { from: { type: 'string' }, quick: { type: 'boolean', default: false } } });

Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
const summary = await proveUpgrade({
  ...(values.from ? { from: values.from } : {}),
  waitForIdleClose: !values.quick,
  log: (line) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`),
});

process.stdout.write(`\nUpgrade ${summary.from.release} (${summary.from.commit.slice(0, 12)}, ${summary.from.packages} packages) -> ${summary.to}\n`);
report('  with the previous release', `${summary.seconds.previousRelease} s`);
report('  the upgrade (Postgres down)', `${summary.seconds.upgrade} s`);
report('  to every end', `${summary.seconds.toTheEnd} s`);
report('  in all', `${summary.seconds.all} s`);
report('  killed after the grace period', summary.killed.length ? summary.killed.join(', ') : 'none');
process.stdout.write('\nProcesses in flight at the upgrade\n');
for (const [type, count] of Object.entries(summary.inFlight)) report(`  ${type}`, String(count));
report('  workflow tasks on the previous / new release', `${summary.tasks.before} / ${summary.tasks.after}`);
process.stdout.write('\nWorkflows by type and status\n');
for (const [type, statuses] of Object.entries(summary.workflows)) report(`  ${type}`, Object.entries(statuses).map(([s, n]) => `${s} ${n}`).join(', '));
report('\nWorkflow tasks failed', String(summary.workflowTaskFailures));
for (const problem of summary.problems) report('  not as it should', problem);
process.stdout.write('\nInvariants (violations)\n');
for (const invariant of summary.invariants) {
  process.stdout.write(`  ${String(invariant.violations).padStart(5)}  ${invariant.name}\n`);
  if (invariant.violations > 0) process.stdout.write(`    e.g. ${JSON.stringify(invariant.examples)}\n`);
}
report('\nViolations in all', String(summary.violations));
process.exit(summary.violations > 0 ? 1 : 0);
