import { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config';
import { startEmbeddedPostgres } from '../db/embedded';
import { LOCAL_DATABASE } from '../db/local-database';
import { withTemporalExecutable } from '../temporal/binaries';
import { SEARCH_ATTRIBUTES } from '../workflows/shared/contract';
import type { Stops } from './roles';

/**
 * The servers of a local platform, started by `npm start` (never by a role started alone): an
 * embedded Postgres and the Temporal CLI dev server with its Web UI, both keeping their data
 * under DATA_DIR, unless DATABASE_URL / TEMPORAL_ADDRESS point elsewhere.
 */
export async function startLocalPostgres(config: Config, dataDir: string, stops: Stops): Promise<string> {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  mkdirSync(dataDir, { recursive: true });
  const db = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: config.EMBEDDED_POSTGRES_PORT, database: LOCAL_DATABASE.database });
  stops.push(() => db.stop());
  return db.url;
}

export async function startLocalTemporal(config: Config, dataDir: string, stops: Stops): Promise<string> {
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
