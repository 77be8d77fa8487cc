import { DefaultLogger, Runtime } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTokenVerifier } from '../api/auth';
import { buildApi } from '../api/server';
import { ConfigError, loadConfig, type Config } from '../config';
import { seedPackageYears } from '../db/calendar';
import { startEmbeddedPostgres } from '../db/embedded';
import { migrate } from '../db/migrate';
import { IdentityProtection } from '../db/persons';
import { checkDatabase, createPool } from '../db/pool';
import { createLogger } from '../logger';
import { projectRoot } from '../project-root';
import { withTemporalExecutable } from '../temporal/binaries';
import { connectClient, connectWorkerConnection, createDataConverter, createPayloadCodec, registerSearchAttributes } from '../temporal/connection';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { withDevSecrets } from './dev-secrets';
import { createPlatformWorker } from './worker';

/**
 * `npm start`: the whole platform on one machine. Embedded Postgres and the Temporal dev server
 * (with its Web UI) unless DATABASE_URL / TEMPORAL_ADDRESS point elsewhere, then the worker and
 * the API. Data stays under DATA_DIR, so a second start carries on where the first stopped.
 */
async function main(): Promise<void> {
  const dataDir = resolve(projectRoot, process.env.DATA_DIR ?? '.data');
  const env = process.env.PLATFORM_ENV === 'production' ? process.env : await withDevSecrets(process.env, dataDir);
  const config = loadConfig(env);
  const logger = createLogger(config.LOG_LEVEL);
  // The start command owns Ctrl-C: it stops the API, then the worker, then the servers, in order.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => logger.error({ err: error }, 'stopping failed'));
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

    const workerConnection = await connectWorkerConnection(config, temporalAddress);
    stops.push(() => workerConnection.close());
    const worker = await createPlatformWorker({
      connection: workerConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      pool,
      client,
      dataConverter: createDataConverter(config),
    });
    const workerRun = worker.run();
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

    const apiUrl = `http://${config.API_HOST === '0.0.0.0' ? 'localhost' : config.API_HOST}:${config.API_PORT}`;
    process.stdout.write(
      [
        '',
        'Jinan integrity score platform is running.',
        `  API            ${apiUrl}  (health: ${apiUrl}/health, OpenAPI docs: ${apiUrl}/docs)`,
        config.TEMPORAL_ADDRESS
          ? `  Temporal       ${temporalAddress} (external)`
          : `  Temporal       ${temporalAddress}   Web UI: http://localhost:${config.TEMPORAL_UI_PORT}`,
        `  Postgres       ${config.DATABASE_URL ? 'DATABASE_URL (external)' : `embedded, data in ${join(dataDir, 'postgres')}`}`,
        `  Tokens         npm run token -- admin   (roles: agency, provider, ndrc, person, requester, institution, supervisor, admin)`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    await stopAll();
    throw error;
  }

  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

async function startPostgres(config: Config, dataDir: string, stops: (() => Promise<unknown>)[]): Promise<string> {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  mkdirSync(dataDir, { recursive: true });
  const db = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: config.EMBEDDED_POSTGRES_PORT, database: 'integrity' });
  stops.push(() => db.stop());
  return db.url;
}

async function startTemporal(config: Config, dataDir: string, stops: (() => Promise<unknown>)[]): Promise<string> {
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

main().catch((error: unknown) => {
  process.stderr.write(`\nThe platform did not start: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
