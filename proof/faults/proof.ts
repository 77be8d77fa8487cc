import type { Client } from '@temporalio/client';
import { Campaign, type Scenario } from './campaign';
import { FaultCluster, sleep, type FaultCounts } from './cluster';
import { seededRandom, type CallCounts } from './driver';
import { scanLogsForIdentityNumbers, type LogScan } from '../../test/support/pii-scan';
import { checkInvariants, type InvariantResult } from './invariants';

export interface ProofOptions {
  runs: number;
  concurrency: number;
  seed: number;
  /** How long Postgres stays down in each outage. */
  postgresDownSeconds: number;
  /** How long the Temporal server stays down in each restart. */
  temporalDownSeconds: number;
  /** Seconds between faults: each pause is drawn between these two. */
  faultGapSeconds: [number, number];
  /** How long the processes get, once the campaign is done, to finish what they started. */
  settleSeconds: number;
  log?: (line: string) => void;
}

export interface ProofSummary {
  seed: number;
  /** The whole proof: starting the platform, the campaign, settling and checking. */
  seconds: number;
  /** The campaign alone, from its first run to the end of its last. */
  campaignSeconds: number;
  runs: Record<Scenario, number>;
  faults: FaultCounts;
  calls: CallCounts;
  invariants: InvariantResult[];
  /** Workflows of the namespace by type and status; none may have failed, been terminated or timed out. */
  workflows: Record<string, Record<string, number>>;
  /** Workflows that ended other than completed, or finite processes still running. */
  unfinished: string[];
  /** Log lines of the API and the worker (requests, warnings, every refusal with its body) holding an identity number in clear. */
  logs: LogScan;
  /** Answers during the faults that were a 5xx other than 503 `unavailable`: an outage is not a fault of the request. */
  faultAnswers: number;
  violations: number;
}

type Fault = 'worker-kill' | 'temporal-restart' | 'postgres-outage';
/** The order faults come in; the pause before each is random. Worker kills are the most common crash. */
const FAULT_CYCLE: Fault[] = ['worker-kill', 'temporal-restart', 'worker-kill', 'postgres-outage', 'worker-kill', 'temporal-restart'];
/** Processes that end by themselves once their work is done. The others wait for people or time (an agreement until revoked, event rescoring for ten idle minutes, schedules). */
const FINITE_TYPES = new Set(['recordSharingWorkflow', 'bulkIntakeWorkflow', 'objectionWorkflow', 'repairWorkflow', 'civicEventWorkflow', 'recordChangeWorkflow', 'rescoringRunWorkflow', 'nightlyRescoringWorkflow', 'agencyRegistrationWorkflow']);

/**
 * The proof under faults (issue 15, item 1): the campaign's runs go through the API while the
 * worker is SIGKILLed, the Temporal server is restarted on its SQLite file and Postgres is
 * stopped and started again; then every invariant is checked in SQL and every workflow's end in
 * Temporal's visibility.
 */
export async function proveUnderFaults(options: ProofOptions): Promise<ProofSummary> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const cluster = await FaultCluster.start();
  let failed = false;
  try {
    const campaign = new Campaign(cluster, cluster.pool);
    await campaign.prepare();
    log(`platform up (data in ${cluster.dataDir}); ${options.runs} runs, ${options.concurrency} at a time, seed ${options.seed}`);

    const campaignStarted = Date.now();
    let campaignDone = false;
    const running = campaign.run(options.runs, options.concurrency, options.seed, (done) => done % 10 === 0 && log(`${done} runs ended`)).finally(() => {
      campaignDone = true;
    });
    const injecting = injectFaults(cluster, options, () => campaignDone, log);
    await Promise.all([running, injecting]);
    const campaignSeconds = Math.round((Date.now() - campaignStarted) / 1000);
    log(`campaign done in ${campaignSeconds} s; settling`);

    let invariants = await checkInvariants(cluster.pool, campaign.ledger);
    let workflows = await workflowCensus(cluster.client);
    const settleBy = Date.now() + options.settleSeconds * 1000;
    while ((countViolations(invariants) > 0 || workflows.unfinished.length > 0) && Date.now() < settleBy) {
      await sleep(2000);
      invariants = await checkInvariants(cluster.pool, campaign.ledger);
      workflows = await workflowCensus(cluster.client);
    }
    const logs = scanLogsForIdentityNumbers(cluster.logDir);
    const faultAnswers = Object.entries(campaign.api.counts.repeated)
      .filter(([why]) => why !== 'network' && why !== '503 unavailable')
      .reduce((sum, [, times]) => sum + times, 0);
    return {
      seed: options.seed,
      seconds: Math.round((Date.now() - started) / 1000),
      campaignSeconds,
      runs: campaign.ledger.runs,
      faults: cluster.faults,
      calls: campaign.api.counts,
      invariants,
      workflows: workflows.byType,
      unfinished: workflows.unfinished,
      faultAnswers,
      logs,
      // A worker that exits by itself lost what it held in memory: a defect, even if a supervisor starts it again.
      violations: countViolations(invariants) + workflows.unfinished.length + faultAnswers + cluster.faults.workerExits + logs.hits.length,
    };
  } catch (error) {
    failed = true;
    log(`the proof stopped: ${error instanceof Error ? error.message : String(error)}; the data and the processes' output are kept in ${cluster.dataDir}`);
    throw error;
  } finally {
    await cluster.close({ keepData: failed });
  }
}

/** Faults one after another while the campaign runs, until it is done and each kind has struck at least once. */
async function injectFaults(cluster: FaultCluster, options: ProofOptions, campaignDone: () => boolean, log: (line: string) => void): Promise<void> {
  const random = seededRandom(options.seed ^ 0x5eed);
  const struck = new Set<Fault>();
  const [shortest, longest] = options.faultGapSeconds;
  for (let i = 0; !campaignDone() || struck.size < new Set(FAULT_CYCLE).size; i += 1) {
    await sleep((shortest + random() * (longest - shortest)) * 1000);
    const fault = FAULT_CYCLE[i % FAULT_CYCLE.length]!;
    const at = Date.now();
    if (fault === 'worker-kill') await cluster.killWorker();
    else if (fault === 'temporal-restart') await cluster.restartTemporal(options.temporalDownSeconds);
    else await cluster.stopPostgres(options.postgresDownSeconds);
    struck.add(fault);
    log(`${fault} (${Math.round((Date.now() - at) / 1000)} s until the part was back)`);
  }
}

async function workflowCensus(client: Client): Promise<{ byType: Record<string, Record<string, number>>; unfinished: string[] }> {
  const byType: Record<string, Record<string, number>> = {};
  const unfinished: string[] = [];
  for await (const execution of client.workflow.list()) {
    const status = execution.status.name;
    const counts = (byType[execution.type] ??= {});
    counts[status] = (counts[status] ?? 0) + 1;
    const ended = status !== 'RUNNING' && status !== 'COMPLETED' && status !== 'CONTINUED_AS_NEW';
    if (ended || (status === 'RUNNING' && FINITE_TYPES.has(execution.type))) unfinished.push(`${execution.workflowId} (${execution.type}, ${status})`);
  }
  return { byType, unfinished };
}

function countViolations(invariants: InvariantResult[]): number {
  return invariants.reduce((sum, invariant) => sum + invariant.violations, 0);
}
