/**
 * `npm run proof:faults [-- --runs N --postgres-down S --seed X]` (issue 15, item 1): at least
 * 100 runs of record sharing (on time and late), bulk intake, objections (a person's, and NDRC's
 * paper one with its clocks run out), repairs and rescoring, driven through the API, while the
 * worker is SIGKILLed at random points, the Temporal dev server is stopped and started again on
 * its SQLite file, and Postgres is stopped for 30 seconds. Then it prints the runs, the faults,
 * the calls clients had to repeat, each invariant with its violations, and the workflows by type
 * and status. Exits non-zero on any violation. A short form runs inside `npm test`
 * (test/e2e/faults.test.ts).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { parseArgs } from 'node:util';
import { report } from '../bench/support';
import { proveUnderFaults } from './faults/proof';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '6' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    'postgres-down': { type: 'string', default: '30' },
    'temporal-down': { type: 'string', default: '5' },
  },
});

// The proof owns its signals and the SDK logs only errors: a restarted server's warnings are expected.
Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
const summary = await proveUnderFaults({
  runs: Number(values.runs),
  concurrency: Number(values.concurrency),
  seed: Number(values.seed),
  postgresDownSeconds: Number(values['postgres-down']),
  temporalDownSeconds: Number(values['temporal-down']),
  faultGapSeconds: [5, 20],
  settleSeconds: 300,
  log: (line) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`),
});

process.stdout.write('\nRuns\n');
for (const [scenario, runs] of Object.entries(summary.runs)) report(`  ${scenario}`, String(runs));
report('  all', `${Object.values(summary.runs).reduce((a, b) => a + b, 0)} in ${summary.campaignSeconds} s, ${summary.seconds} s with set-up and checks (seed ${summary.seed})`);
process.stdout.write('\nFaults\n');
report('  worker SIGKILLed', String(summary.faults.workerKills));
report('  Temporal server restarted (SQLite kept)', String(summary.faults.temporalRestarts));
report('  Postgres stopped and started', String(summary.faults.postgresOutages));
report('  worker exits nobody caused (violations)', String(summary.faults.workerExits));
report('  worker starts refused (a server down)', String(summary.faults.workerStartsRefused));
process.stdout.write('\nAPI calls\n');
report('  calls', String(summary.calls.calls));
for (const [why, times] of Object.entries(summary.calls.repeated)) report(`  repeated after ${why}`, String(times));
report('  5xx other than 503 unavailable (violations)', String(summary.faultAnswers));
report('  identity numbers in clear in the logs', `${summary.logs.hits.length} (${summary.logs.lines} lines of the API and the worker, every refusal's body included)`);
process.stdout.write('\nWorkflows by type and status\n');
for (const [type, statuses] of Object.entries(summary.workflows)) report(`  ${type}`, Object.entries(statuses).map(([s, n]) => `${s} ${n}`).join(', '));
for (const line of summary.unfinished) report('  not finished as it should', line);
process.stdout.write('\nInvariants (violations)\n');
for (const invariant of summary.invariants) {
  process.stdout.write(`  ${String(invariant.violations).padStart(5)}  ${invariant.name}\n`);
  if (invariant.violations > 0) process.stdout.write(`    e.g. ${JSON.stringify(invariant.examples)}\n`);
}
report('\nViolations in all', String(summary.violations));
process.exit(summary.violations > 0 ? 1 : 0);
