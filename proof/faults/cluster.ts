import type { Client } from '@temporalio/client';
import { importJWK, SignJWT } from 'jose';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { startProcess, type ChildProcessHandle } from '../../bench/support';
import { loadConfig, type Config } from '../../src/config';
import { createPool } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { connectClient } from '../../src/temporal/connection';
import { ensureDevSecrets, withDevSecrets } from '../../src/workers/dev-secrets';
import { startLocalPostgres, startLocalTemporal } from '../../src/workers/dev-servers';
import { openDatabase, Stops } from '../../src/workers/roles';
import { freePort } from '../../test/support/ports';

/** What a fault did, for the campaign's summary. */
export interface FaultCounts {
  workerKills: number;
  temporalRestarts: number;
  postgresOutages: number;
  /** Worker exits nobody caused (a supervisor, like systemd or Kubernetes, starts it again). */
  workerExits: number;
  /** Worker starts that failed because a server was down (the supervisor tries again). */
  workerStartsRefused: number;
}

/**
 * The platform as deployed, on one machine, with every part a fault can hit in its own hands:
 * an embedded Postgres and the Temporal CLI dev server, both keeping their data in a scratch
 * folder across restarts, and the worker and the API as their own processes (`npm run worker`,
 * `npm run api`). The worker is supervised: an exit nobody asked for starts it again.
 */
export class FaultCluster {
  readonly faults: FaultCounts = { workerKills: 0, temporalRestarts: 0, postgresOutages: 0, workerExits: 0, workerStartsRefused: 0 };
  private worker: ChildProcessHandle | undefined;
  private workerCrashing = false;
  private closing = false;

  private constructor(
    private readonly config: Config,
    readonly dataDir: string,
    readonly apiUrl: string,
    /** The proof's own connections, for its set-up facts and its invariants. */
    readonly pool: pg.Pool,
    readonly client: Client,
    private readonly key: Awaited<ReturnType<typeof importJWK>>,
    private readonly postgres: Stops,
    private readonly temporal: Stops,
    private readonly api: ChildProcessHandle,
    private readonly processEnv: Record<string, string>,
  ) {}

  static async start(): Promise<FaultCluster> {
    const dataDir = mkdtempSync(join(tmpdir(), 'faults-'));
    // As root, Postgres runs as the `postgres` user, which must be able to reach its data folder.
    chmodSync(dataDir, 0o755);
    mkdirSync(join(dataDir, 'logs'));
    const apiPort = await freePort();
    const config = loadConfig(
      await withDevSecrets(
        {
          DATA_DIR: dataDir,
          LOG_LEVEL: 'warn',
          API_PORT: String(apiPort),
          TEMPORAL_DEV_PORT: String(await freePort()),
          TEMPORAL_UI_PORT: String(await freePort()),
          EMBEDDED_POSTGRES_PORT: String(await freePort()),
        },
        dataDir,
      ),
    );
    const logger = createLogger('silent');
    const postgres = new Stops(logger);
    const databaseUrl = await startLocalPostgres(config, dataDir, postgres);
    const setup = new Stops(logger);
    // Migrations and the calendar seed, as every process does at start; the proof keeps its own pool.
    await openDatabase(databaseUrl, logger, setup);
    await setup.run();
    const pool = createPool(databaseUrl, 4);
    // Connections drop while Postgres is down: the proof's pool reconnects on its next query.
    pool.on('error', () => undefined);
    const temporal = new Stops(logger);
    const temporalAddress = await startLocalTemporal(config, dataDir, temporal);
    const { client } = await connectClient(config, temporalAddress);
    // At info, every request and every refusal with its body is logged: the proof scans it all for identity numbers.
    const processEnv = { DATA_DIR: dataDir, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, LOG_LEVEL: 'info' };
    const api = await startProcess('src/workers/api.ts', { ...processEnv, API_PORT: String(apiPort) }, 'API listening', { log: join(dataDir, 'logs', 'api.log') });
    const { secrets } = await ensureDevSecrets(dataDir);
    const cluster = new FaultCluster(config, dataDir, `http://127.0.0.1:${apiPort}`, pool, client, await importJWK(secrets.authPrivateJwk, 'ES256'), postgres, temporal, api, processEnv);
    await cluster.startWorker();
    return cluster;
  }

  /** A bearer token, signed with the platform's development key, as the identity provider would issue it. */
  sign(claims: Record<string, string>): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject(claims.subject ?? `proof-${claims.role}`)
      .setIssuer(this.config.AUTH_ISSUER)
      .setAudience(this.config.AUTH_AUDIENCE)
      .setExpirationTime('4h')
      .sign(this.key);
  }

  /** SIGKILL: in-flight activities and workflow tasks are lost with the process; another worker must take them over. */
  async killWorker(): Promise<void> {
    this.workerCrashing = true;
    await this.worker?.crash();
    this.workerCrashing = false;
    this.faults.workerKills += 1;
    await this.startWorker();
  }

  /** Stops the Temporal server and starts it again on the same port and SQLite file. */
  async restartTemporal(downSeconds: number): Promise<void> {
    await this.temporal.run();
    await sleep(downSeconds * 1000);
    await startLocalTemporal(this.config, this.dataDir, this.temporal);
    this.faults.temporalRestarts += 1;
  }

  /** Stops Postgres, keeps it down for `seconds`, and starts it again on the same data folder. */
  async stopPostgres(seconds: number): Promise<void> {
    await this.postgres.run();
    await sleep(seconds * 1000);
    await startLocalPostgres(this.config, this.dataDir, this.postgres);
    this.faults.postgresOutages += 1;
  }

  get logDir(): string {
    return join(this.dataDir, 'logs');
  }

  /** Stops everything; the data folder (both servers' data, the processes' output) is kept with `keepData`, for a failed run's reader. */
  async close(options: { keepData?: boolean } = {}): Promise<void> {
    this.closing = true;
    await this.worker?.stop();
    await this.api.stop();
    await this.client.connection.close();
    await this.pool.end();
    await this.temporal.run();
    await this.postgres.run();
    if (!options.keepData) rmSync(this.dataDir, { recursive: true, force: true });
  }

  /**
   * Starts a worker and keeps one running, as a supervisor would (systemd's Restart=always,
   * Kubernetes): a worker exits at start while Postgres is down, and is started again until it
   * comes up.
   */
  private async startWorker(): Promise<void> {
    let worker: ChildProcessHandle | undefined;
    while (!worker) {
      worker = await startProcess('src/workers/worker.ts', this.processEnv, 'Worker polling', { log: join(this.dataDir, 'logs', 'worker.log') }).catch(async () => {
        this.faults.workerStartsRefused += 1;
        await sleep(2000);
        return undefined;
      });
    }
    this.worker = worker;
    void worker.exited.then(async () => {
      if (this.closing || this.workerCrashing || this.worker !== worker) return;
      this.faults.workerExits += 1;
      await this.startWorker();
    });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
