import type { Client } from '@temporalio/client';
import { join } from 'node:path';
import pg from 'pg';
import { projectRoot } from '../../src/project-root';
import { releaseVersion } from '../../src/temporal/deployment';
import { keptReleases, workflowTypesOf } from '../../test/replay/corpus';
import { scanHistoriesForIdentityNumbers, scanLogsForIdentityNumbers } from '../../test/support/pii-scan';
import { PlatformDriver } from '../../test/support/platform-driver';
import { checkInvariants, type InvariantResult } from '../faults/invariants';
import { checkoutRelease } from './checkout';
import { UpgradeCluster } from './cluster';
import { UpgradeTraffic, type InFlight } from './instances';

const TASK_QUEUE = 'integrity-score';

export interface UpgradeSummary {
  from: { release: string; commit: string; packages: string };
  to: string;
  /** Processes caught by the upgrade, by workflow type. */
  inFlight: Record<string, number>;
  /** Workflow tasks of those processes, by who completed them: the previous release's unversioned worker, and the new build. */
  tasks: { before: number; after: number };
  workflowTaskFailures: number;
  workflows: Record<string, Record<string, number>>;
  problems: string[];
  /** Processes of a release that did not stop within the grace period and were killed. */
  killed: string[];
  invariants: InvariantResult[];
  seconds: { previousRelease: number; upgrade: number; toTheEnd: number; all: number };
  violations: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const since = (start: number) => Math.round((Date.now() - start) / 1000);

/**
 * The upgrade proof (docs/releases.md "The upgrade proof"): the previous release runs the platform with
 * a process of every workflow type in flight; its worker and API are replaced by the current
 * release's (a versioned worker made current at start) while Postgres is down; every process is
 * then driven to its end. Each must end as it would have without the upgrade, with no workflow
 * task failed, and the fault proof's invariants must hold.
 */
export async function proveUpgrade(options: { from?: string; waitForIdleClose: boolean; log: (line: string) => void }): Promise<UpgradeSummary> {
  const started = Date.now();
  const from = options.from ?? keptReleases().at(-1);
  if (!from) throw new Error('No release is kept in test/replay/histories: capture one first (npm run replay:capture)');
  const checkout = checkoutRelease(from);
  options.log(`previous release ${from} checked out at ${checkout.commit.slice(0, 12)} (${checkout.packages} packages)`);
  const cluster = await UpgradeCluster.start();
  let summary: UpgradeSummary | undefined;
  try {
    await cluster.startRelease(from, checkout.dir);
    const driver = new PlatformDriver(cluster, 500);
    await driver.registerOrganisations();
    const traffic = new UpgradeTraffic(driver, cluster.client, cluster.apiUrl);
    await traffic.startWaiting();
    options.log(`${traffic.inFlight.length} long-lived processes waiting on ${from}`);
    const holder = new pg.Client({ connectionString: (cluster.pool.options as { connectionString: string }).connectionString });
    holder.on('error', () => undefined);
    await holder.connect();
    await traffic.startHeld(holder);
    const previousSeconds = since(started);

    const upgrading = Date.now();
    options.log('Postgres stopped under the one-shot processes; the scheduled ones started');
    await traffic.cancelWaiting(holder);
    await cluster.stopPostgres();
    await traffic.startScheduled(TASK_QUEUE);
    traffic.abandonRequests();
    await cluster.stopRelease(from);
    options.log(`${from} stopped with ${traffic.inFlight.length} processes in flight${cluster.killed.length ? ` (killed after the grace period: ${cluster.killed.join(', ')})` : ''}`);
    await cluster.startPostgres();
    await cluster.startRelease('current', projectRoot);
    options.log(`${releaseVersion()} running as the current version`);
    const upgradeSeconds = since(upgrading);

    const ending = Date.now();
    await untilClosed(cluster.client, traffic.inFlight.filter((flight) => !flight.finish), 180_000);
    for (const flight of traffic.inFlight) await flight.finish?.();
    await untilClosed(
      cluster.client,
      traffic.inFlight.filter((flight) => options.waitForIdleClose || flight.workflowType !== 'rescorePersonWorkflow'),
      options.waitForIdleClose ? 15 * 60_000 : 120_000,
    );
    options.log('every process driven to its end');

    const problems: string[] = [];
    const tasks = { before: 0, after: 0 };
    for (const flight of traffic.inFlight) {
      const name = `${flight.workflowType} ${flight.workflowId}`;
      const { status } = await cluster.client.workflow.getHandle(flight.workflowId).describe();
      const running = flight.workflowType === 'rescorePersonWorkflow' && !options.waitForIdleClose;
      if (status.name !== 'COMPLETED' && !(running && status.name === 'RUNNING')) problems.push(`${name}: ${status.name}`);
      const ended = await flight.ended();
      if (ended) problems.push(`${name}: ${ended}`);
      const ran = await whoRan(cluster.client, flight);
      tasks.before += ran.before;
      tasks.after += ran.after;
      if (ran.before === 0) problems.push(`${name}: no workflow task of ${from}`);
      if (ran.after === 0) problems.push(`${name}: no workflow task of ${releaseVersion()} after the upgrade`);
    }
    const caught = new Set(traffic.inFlight.map((flight) => flight.workflowType));
    for (const type of workflowTypesOf(from).filter((registered) => !caught.has(registered))) problems.push(`${type}: no process of this type was in flight at the upgrade`);
    const { workflows, workflowTaskFailures } = await census(cluster.client);
    const invariants = await checkInvariants(cluster.pool, traffic.ledger);
    // Both releases' logs (every request and refusal) and every history: no identity number in clear.
    const logs = scanLogsForIdentityNumbers(join(cluster.dataDir, 'logs'));
    const histories = await scanHistoriesForIdentityNumbers(cluster.temporalAddress);
    if (logs.hits.length + histories.hits.length > 0) problems.push(`identity numbers in clear: ${JSON.stringify([...logs.hits, ...histories.hits])}`);
    await holder.end().catch(() => undefined);

    const inFlight: Record<string, number> = {};
    for (const flight of traffic.inFlight) inFlight[flight.workflowType] = (inFlight[flight.workflowType] ?? 0) + 1;
    summary = {
      from: { release: from, commit: checkout.commit, packages: checkout.packages },
      to: releaseVersion(),
      inFlight,
      tasks,
      workflowTaskFailures,
      workflows,
      problems,
      killed: [...cluster.killed],
      invariants,
      seconds: { previousRelease: previousSeconds, upgrade: upgradeSeconds, toTheEnd: since(ending), all: since(started) },
      violations: problems.length + workflowTaskFailures + invariants.reduce((sum, invariant) => sum + invariant.violations, 0),
    };
    return summary;
  } finally {
    await cluster.close({ keepData: summary === undefined || summary.violations > 0 });
    if (summary === undefined || summary.violations > 0) options.log(`the servers' data and the releases' logs are kept in ${cluster.dataDir}`);
    checkout.remove();
  }
}

async function untilClosed(client: Client, processes: InFlight[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const flight of processes) {
    while ((await client.workflow.getHandle(flight.workflowId).describe()).status.name === 'RUNNING') {
      if (Date.now() > deadline) return;
      await sleep(250);
    }
  }
}

/** The workflow tasks of a process (all its runs), by the worker version that completed them. */
async function whoRan(client: Client, flight: InFlight): Promise<{ before: number; after: number }> {
  const ran = { before: 0, after: 0 };
  for await (const execution of client.workflow.list({ query: `WorkflowId = "${flight.workflowId}"` })) {
    const history = await client.workflow.getHandle(flight.workflowId, execution.runId).fetchHistory();
    for (const event of history.events ?? []) {
      const completed = event.workflowTaskCompletedEventAttributes;
      if (!completed) continue;
      if (completed.deploymentVersion?.buildId === releaseVersion()) ran.after += 1;
      else if (!completed.deploymentVersion?.buildId) ran.before += 1;
    }
  }
  return ran;
}

/** Every workflow of the namespace by type and status, and the workflow tasks that failed anywhere. */
async function census(client: Client): Promise<{ workflows: Record<string, Record<string, number>>; workflowTaskFailures: number }> {
  const workflows: Record<string, Record<string, number>> = {};
  let workflowTaskFailures = 0;
  for await (const execution of client.workflow.list()) {
    const byStatus = (workflows[execution.type] ??= {});
    byStatus[execution.status.name] = (byStatus[execution.status.name] ?? 0) + 1;
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    workflowTaskFailures += (history.events ?? []).filter((event) => event.workflowTaskFailedEventAttributes).length;
  }
  return { workflows, workflowTaskFailures };
}
