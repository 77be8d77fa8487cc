import type { Client } from '@temporalio/client';
import { importJWK, SignJWT } from 'jose';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { startProcess, type ChildProcessHandle } from '../../bench/support';
import { loadConfig, type Config } from '../../src/config';
import { createPool } from '../../src/db/pool';
import type { Role } from '../../src/domain/roles';
import { createLogger } from '../../src/logger';
import { connectClient } from '../../src/temporal/connection';
import { ensureDevSecrets, withDevSecrets } from '../../src/workers/dev-secrets';
import { startLocalPostgres, startLocalTemporal } from '../../src/workers/dev-servers';
import { Stops } from '../../src/workers/roles';
import type { Answer, PlatformAccess } from '../../test/support/platform-driver';
import { freePort } from '../../test/support/ports';
import type { TokenClaims } from '../../test/support/tokens';

/** The deployment the proof's releases are versions of. */
export const DEPLOYMENT = 'upgrade-proof';

/** One release's API and worker, each its own process, started from that release's checkout. */
interface RunningRelease {
  api: ChildProcessHandle;
  worker: ChildProcessHandle;
}

/**
 * A platform deployed on one machine as an operator runs it, whose release can be replaced: an
 * embedded Postgres and the Temporal CLI dev server (Worker Deployments included), keeping their
 * data in a scratch folder, and the API and the worker of a release as their own processes
 * (`npm run api`, `npm run worker`), started from that release's code.
 */
export class UpgradeCluster implements PlatformAccess {
  private running: RunningRelease | undefined;
  private postgres: Stops;
  pool!: pg.Pool;

  get temporalAddress(): string {
    return this.processEnv.TEMPORAL_ADDRESS!;
  }

  private constructor(
    private readonly config: Config,
    readonly dataDir: string,
    readonly apiUrl: string,
    readonly client: Client,
    private readonly key: Awaited<ReturnType<typeof importJWK>>,
    postgres: Stops,
    private readonly temporal: Stops,
    private readonly processEnv: Record<string, string>,
  ) {
    this.postgres = postgres;
  }

  static async start(): Promise<UpgradeCluster> {
    const dataDir = mkdtempSync(join(tmpdir(), 'upgrade-'));
    // As root, Postgres runs as the `postgres` user, which must be able to reach its data folder.
    chmodSync(dataDir, 0o755);
    mkdirSync(join(dataDir, 'logs'));
    const apiPort = await freePort();
    const config = loadConfig(
      await withDevSecrets(
        {
          DATA_DIR: dataDir,
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
    const temporal = new Stops(logger);
    const temporalAddress = await startLocalTemporal(config, dataDir, temporal);
    const { client } = await connectClient(config, temporalAddress);
    const { secrets } = await ensureDevSecrets(dataDir);
    const processEnv = {
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      API_PORT: String(apiPort),
      TEMPORAL_DEPLOYMENT_NAME: DEPLOYMENT,
      LOG_LEVEL: 'info',
    };
    return new UpgradeCluster(config, dataDir, `http://127.0.0.1:${apiPort}`, client, await importJWK(secrets.authPrivateJwk, 'ES256'), postgres, temporal, processEnv);
  }

  /**
   * Starts a release's worker, then its API, from its checkout (`dir`); each migrates the database
   * to its release at start, as a deploy does. The proof's own pool opens once the schema is there.
   */
  async startRelease(name: string, dir: string): Promise<void> {
    const log = (role: string) => ({ log: join(this.dataDir, 'logs', `${name}-${role}.log`), cwd: dir });
    const worker = await startProcess('src/workers/worker.ts', this.processEnv, 'Worker polling', log('worker'));
    const api = await startProcess('src/workers/api.ts', this.processEnv, 'API listening', log('api'));
    this.running = { api, worker };
    if (!this.pool) {
      this.pool = createPool(this.processEnv.DATABASE_URL!, 4);
      // Connections drop while Postgres is down: the pool reconnects on its next query.
      this.pool.on('error', () => undefined);
    }
  }

  /** Processes that did not stop within the grace period and were killed, as an orchestrator kills them. */
  readonly killed: string[] = [];

  /**
   * An orchestrator's stop of the running release, its worker first, then its API: SIGTERM, and
   * SIGKILL for a process still running after the grace period (Kubernetes gives 30 seconds).
   */
  async stopRelease(name: string, graceMs = 15_000): Promise<void> {
    for (const [role, handle] of Object.entries(this.running ?? {}) as [string, ChildProcessHandle][]) {
      const stopped = await Promise.race([handle.stop().then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs))]);
      if (!stopped) {
        await handle.crash();
        this.killed.push(`${name} ${role}`);
      }
    }
    this.running = undefined;
  }

  async stopPostgres(): Promise<void> {
    await this.postgres.run();
  }

  async startPostgres(): Promise<void> {
    this.postgres = new Stops(createLogger('silent'));
    await startLocalPostgres(this.config, this.dataDir, this.postgres);
  }

  async call(method: string, path: string, token?: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as Answer['body']) : { text } };
  }

  /** A bearer token signed with the platform's development key, as the identity provider would issue it. */
  token(role: Role, claims: TokenClaims = {}): Promise<string> {
    const acr = claims.acr === undefined ? (role === 'person' ? 'real-name' : null) : claims.acr;
    return new SignJWT({ role, ...(claims.agency ? { agency: claims.agency } : {}), ...(claims.person ? { person: claims.person } : {}), ...(acr ? { acr } : {}) })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject(claims.subject ?? `proof-${role}`)
      .setIssuer(this.config.AUTH_ISSUER)
      .setAudience(this.config.AUTH_AUDIENCE)
      .setExpirationTime('4h')
      .sign(this.key);
  }

  /** Stops everything; the data folder (both servers' data, the processes' logs) is kept with `keepData`, for a failed run's reader. */
  async close(options: { keepData?: boolean } = {}): Promise<void> {
    await this.stopRelease('last');
    await this.client.connection.close();
    await this.pool?.end();
    await this.temporal.run();
    await this.postgres.run();
    if (!options.keepData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
