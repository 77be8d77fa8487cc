import type { Client, Connection } from '@temporalio/client';
import type pg from 'pg';
import { createChunkStoringThreads } from '../activities/bulk-intake/chunk-threads';
import { createTokenVerifier } from '../api/auth';
import { ParsedVersions } from '../api/shared/parsed-versions';
import { createAttestationSigner } from '../api/shared/attestations';
import { ReadViews } from '../api/shared/read-views';
import { buildApi } from '../api/server';
import type { Config } from '../config';
import { seedPackageYears } from '../db/calendar';
import { migrate } from '../db/migrate';
import { localDatabaseUrl } from '../db/local-database';
import { IdentityProtection } from '../db/persons';
import { QueryLog } from '../db/query-log';
import { ScoreExplainer } from '../db/scores';
import { checkDatabase, createPool } from '../db/pool';
import { incentiveDefinitionSchema } from '../domain/incentive';
import type { Logger } from '../logger';
import { connectClient, connectWorkerConnection, createDataConverter, createPayloadCodec, registerSearchAttributes } from '../temporal/connection';
import { promoteOnStart, workerVersionOf, type WorkerVersion } from '../temporal/deployment';
import { ensureNightlyRescoring, ensureRegisterUpkeep, ensureRescoreRequestsAnswered } from '../temporal/schedules';
import { createPlatformWorker } from './platform-worker';

/**
 * The platform's roles, each startable alone (`npm run worker`, `npm run api`) or together with
 * the local servers (`npm start`). Each returns how to stop what it started; steps are stopped
 * in the reverse order they were taken.
 */
export class Stops {
  private readonly steps: (() => Promise<unknown>)[] = [];

  constructor(private readonly logger: Logger) {}

  push(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step().catch((error: unknown) => this.logger.error({ err: error }, 'stopping failed'));
  }

  /** Starts with `work`; if it fails halfway, what it had started is stopped before the failure is passed on. */
  async starting<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      await this.run();
      throw error;
    }
  }
}

/** Where a role started alone finds the servers: those configured, or else, locally, those of a running `npm start`. */
export function serverAddresses(config: Config): { databaseUrl: string; temporalAddress: string } {
  return {
    databaseUrl: config.DATABASE_URL ?? localDatabaseUrl(config.EMBEDDED_POSTGRES_PORT),
    temporalAddress: config.TEMPORAL_ADDRESS ?? `localhost:${config.TEMPORAL_DEV_PORT}`,
  };
}

/** Postgres, reachable and migrated, with the published calendar years seeded: safe for every process to do at start. */
export async function openDatabase(databaseUrl: string, logger: Logger, stops: Stops): Promise<pg.Pool> {
  const pool = createPool(databaseUrl);
  // A server that stops (Ctrl-C reaches the embedded one too) drops connections: that must not crash the process.
  pool.on('error', (error) => logger.warn(`Postgres connection closed: ${error.message}`));
  stops.push(() => pool.end());
  await checkDatabase(pool, databaseUrl);
  const applied = await migrate(databaseUrl);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  const seeded = await seedPackageYears(pool, 'platform start-up');
  if (seeded.length > 0) logger.info({ years: seeded }, 'working-day calendar seeded from the chinese-days package');
  return pool;
}

/** A Temporal client with the platform's payload codec; on an external cluster, the search attributes are registered. */
export async function openTemporal(config: Config, address: string, stops: Stops): Promise<{ client: Client; connection: Connection }> {
  const temporal = await connectClient(config, address);
  stops.push(() => temporal.connection.close());
  if (config.TEMPORAL_ADDRESS) await registerSearchAttributes(temporal.connection, config.TEMPORAL_NAMESPACE);
  return temporal;
}

/**
 * A worker polling the platform's task queue, until stopped, as its release's version of the
 * Worker Deployment (made current at start with WORKER_VERSIONING=auto); it also makes sure the
 * nightly Schedules exist and the workflow answering rescoring requests runs.
 */
export async function startWorkerRole(
  config: Config,
  servers: { databaseUrl: string; temporalAddress: string; pool: pg.Pool; client: Client },
  logger: Logger,
  stops: Stops,
): Promise<{ running: Promise<void>; version: WorkerVersion | undefined }> {
  const version = workerVersionOf(config);
  const chunkStoring = createChunkStoringThreads({ databaseUrl: servers.databaseUrl, ...config }, { startNow: true });
  stops.push(() => chunkStoring.close());
  const connection = await connectWorkerConnection(config, servers.temporalAddress);
  stops.push(() => connection.close());
  const worker = await createPlatformWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    pool: servers.pool,
    client: servers.client,
    chunkStoring,
    dataConverter: createDataConverter(config),
    ...(config.WORKER_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: config.WORKER_CACHED_WORKFLOWS } : {}),
    ...(version ? { version } : {}),
  });
  const running = worker.run();
  stops.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  if (version && config.WORKER_VERSIONING === 'auto') await promoteOnStart(servers.client, config.TEMPORAL_NAMESPACE, version, logger);
  if ((await ensureNightlyRescoring(servers.client, config.TEMPORAL_TASK_QUEUE)) === 'created') logger.info('nightly rescoring schedule created');
  if ((await ensureRegisterUpkeep(servers.client, config.TEMPORAL_TASK_QUEUE)) === 'created') logger.info('query register upkeep schedule created');
  await ensureRescoreRequestsAnswered(servers.client, config.TEMPORAL_TASK_QUEUE);
  return { running, version };
}

/** The HTTP API, listening until stopped. */
export async function startApiRole(
  config: Config,
  servers: { pool: pg.Pool; client: Client; connection: Connection },
  logger: Logger,
  stops: Stops,
): Promise<{ url: string }> {
  const readViews = await ReadViews.open(servers.pool.options.connectionString!, config.READ_VIEWS_KEPT, logger);
  stops.push(() => readViews.close());
  const api = await buildApi({
    pool: servers.pool,
    readViews,
    queryLog: new QueryLog(servers.pool),
    scores: new ScoreExplainer(servers.pool),
    incentiveDefinitions: new ParsedVersions((stored) => incentiveDefinitionSchema.parse(stored)),
    client: servers.client,
    connection: servers.connection,
    codec: createPayloadCodec(config),
    identity: new IdentityProtection(config),
    verifyToken: await createTokenVerifier(config),
    attestations: await createAttestationSigner(config, logger),
    logger,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    codecOrigins: config.CODEC_CORS_ORIGINS,
    webUi: { url: config.TEMPORAL_UI_URL ?? `http://localhost:${config.TEMPORAL_UI_PORT}`, namespace: config.TEMPORAL_NAMESPACE },
    secureCookies: config.PLATFORM_ENV === 'production',
  });
  await api.listen({ host: config.API_HOST, port: config.API_PORT });
  stops.push(() => api.close());
  return { url: `http://${config.API_HOST === '0.0.0.0' ? 'localhost' : config.API_HOST}:${config.API_PORT}` };
}
