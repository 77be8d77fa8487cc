import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { createTokenVerifier } from '../api/auth';
import { createChunkStoringThreads } from '../activities/bulk-intake/chunk-threads';
import { buildApi } from '../api/server';
import type { Config } from '../config';
import { seedPackageYears } from '../db/calendar';
import { startEmbeddedPostgres } from '../db/embedded';
import { migrate } from '../db/migrate';
import { IdentityProtection } from '../db/persons';
import { checkDatabase, createPool } from '../db/pool';
import type { Logger } from '../logger';
import { withTemporalExecutable } from '../temporal/binaries';
import { ensureNightlyRescoring } from '../temporal/schedules';
import { connectClient, connectWorkerConnection, createDataConverter, createPayloadCodec, registerSearchAttributes } from '../temporal/connection';
import { SEARCH_ATTRIBUTES } from '../workflows/shared/contract';
import { createPlatformWorker } from './platform-worker';

export interface RunningStack {
  apiUrl: string;
  temporalAddress: string;
  pool: pg.Pool;
  client: Client;
  /** Stops the API, the worker, then the servers it started, in that order. */
  stop(): Promise<void>;
}

type Stop = () => Promise<unknown>;

/**
 * The whole platform in this process: embedded Postgres and the Temporal dev server (with its
 * Web UI) unless DATABASE_URL / TEMPORAL_ADDRESS point elsewhere, migrations, the calendar seed,
 * the worker and the API. Used by `npm start` and by the benchmarks.
 */
export async function startStack(config: Config, dataDir: string, logger: Logger): Promise<RunningStack> {
  const stops: Stop[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((error: unknown) => logger.error({ err: error }, 'stopping failed'));
  };
  try {
    const databaseUrl = await startPostgres(config, dataDir, stops);
    const pool = createPool(databaseUrl);
    // Ctrl-C reaches the embedded Postgres too; its dropped connections must not crash the stop.
    pool.on('error', (error) => logger.warn(`Postgres connection closed: ${error.message}`));
    stops.push(() => pool.end());
    await checkDatabase(pool, databaseUrl);
    const applied = await migrate(databaseUrl);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

    const temporalAddress = await startTemporal(config, dataDir, stops);
    const { client, connection } = await connectClient(config, temporalAddress);
    stops.push(() => connection.close());
    if (config.TEMPORAL_ADDRESS) await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE);

    const seeded = await seedPackageYears(pool, 'platform start-up');
    if (seeded.length > 0) logger.info({ years: seeded }, 'working-day calendar seeded from the chinese-days package');

    const chunkStoring = createChunkStoringThreads({ databaseUrl, ...config }, { startNow: true });
    stops.push(() => chunkStoring.close());
    const workerConnection = await connectWorkerConnection(config, temporalAddress);
    stops.push(() => workerConnection.close());
    const worker = await createPlatformWorker({
      connection: workerConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      pool,
      client,
      chunkStoring,
      dataConverter: createDataConverter(config),
    });
    const workerRun = worker.run();
    if ((await ensureNightlyRescoring(client, config.TEMPORAL_TASK_QUEUE)) === 'created') logger.info('nightly rescoring schedule created');
    stops.push(async () => {
      worker.shutdown();
      await workerRun;
    });

    const api = await buildApi({
      pool,
      client,
      connection,
      codec: createPayloadCodec(config),
      identity: new IdentityProtection(config),
      verifyToken: await createTokenVerifier(config),
      logger,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      codecOrigins: config.CODEC_CORS_ORIGINS,
    });
    await api.listen({ host: config.API_HOST, port: config.API_PORT });
    stops.push(() => api.close());

    return {
      apiUrl: `http://${config.API_HOST === '0.0.0.0' ? 'localhost' : config.API_HOST}:${config.API_PORT}`,
      temporalAddress,
      pool,
      client,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startPostgres(config: Config, dataDir: string, stops: Stop[]): Promise<string> {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  mkdirSync(dataDir, { recursive: true });
  const db = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: config.EMBEDDED_POSTGRES_PORT, database: 'integrity' });
  stops.push(() => db.stop());
  return db.url;
}

async function startTemporal(config: Config, dataDir: string, stops: Stop[]): Promise<string> {
  if (config.TEMPORAL_ADDRESS) return config.TEMPORAL_ADDRESS;
  const apiUrl = config.API_PUBLIC_URL ?? `http://localhost:${config.API_PORT}`;
  const { value: env } = await withTemporalExecutable('cli', (executable) =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable,
        namespace: config.TEMPORAL_NAMESPACE,
        port: config.TEMPORAL_DEV_PORT,
        ui: true,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFilename: join(dataDir, 'temporal.sqlite'),
        searchAttributes: SEARCH_ATTRIBUTES,
        extraArgs: ['--ui-codec-endpoint', `${apiUrl}/codec`],
      },
    }),
  );
  stops.push(() => env.teardown());
  return `localhost:${config.TEMPORAL_DEV_PORT}`;
}
