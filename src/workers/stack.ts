import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { startLocalPostgres, startLocalTemporal } from './dev-servers';
import { openDatabase, openTemporal, startApiRole, startWorkerRole, Stops } from './roles';

export interface RunningStack {
  apiUrl: string;
  temporalAddress: string;
  pool: pg.Pool;
  client: Client;
  /** Stops the API, the worker, then the servers it started, in that order. */
  stop(): Promise<void>;
}

/**
 * The whole platform in this process: the local servers (unless DATABASE_URL / TEMPORAL_ADDRESS
 * point elsewhere), migrations, the calendar seed, a worker and the API. Used by `npm start`, the
 * end-to-end tests and the benchmarks; a benchmark that runs its worker as its own process
 * (`npm run worker`) leaves it out with `worker: false`.
 */
export async function startStack(config: Config, dataDir: string, logger: Logger, options: { worker?: boolean } = {}): Promise<RunningStack> {
  const stops = new Stops(logger);
  return stops.starting(async () => {
    const databaseUrl = await startLocalPostgres(config, dataDir, stops);
    const pool = await openDatabase(databaseUrl, logger, stops);
    const temporalAddress = await startLocalTemporal(config, dataDir, stops);
    const { client, connection } = await openTemporal(config, temporalAddress, stops);
    if (options.worker !== false) await startWorkerRole(config, { databaseUrl, temporalAddress, pool, client }, logger, stops);
    const { url } = await startApiRole(config, { pool, client, connection }, logger, stops);
    return { apiUrl: url, temporalAddress, pool, client, stop: () => stops.run() };
  });
}
