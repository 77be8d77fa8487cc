import { DefaultLogger, Runtime } from '@temporalio/worker';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { projectRoot } from '../project-root';
import { withDevSecrets } from './dev-secrets';
import { startStack } from './stack';

/**
 * `npm start`: the whole platform on one machine (see stack.ts). Data stays under DATA_DIR, so a
 * second start carries on where the first stopped; Ctrl-C stops everything in order.
 */
async function main(): Promise<void> {
  const dataDir = resolve(projectRoot, process.env.DATA_DIR ?? '.data');
  const env = process.env.PLATFORM_ENV === 'production' ? process.env : await withDevSecrets(process.env, dataDir);
  const config = loadConfig(env);
  const logger = createLogger(config.LOG_LEVEL);
  // The start command owns Ctrl-C: it stops the API, then the worker, then the servers, in order.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const stack = await startStack(config, dataDir, logger);

  process.stdout.write(
    [
      '',
      'Jinan integrity score platform is running.',
      `  API            ${stack.apiUrl}  (health: ${stack.apiUrl}/health, OpenAPI docs: ${stack.apiUrl}/docs)`,
      config.TEMPORAL_ADDRESS
        ? `  Temporal       ${stack.temporalAddress} (external)`
        : `  Temporal       ${stack.temporalAddress}   Web UI: http://localhost:${config.TEMPORAL_UI_PORT}`,
      `  Postgres       ${config.DATABASE_URL ? 'DATABASE_URL (external)' : `embedded, data in ${join(dataDir, 'postgres')}`}`,
      `  Tokens         npm run token -- admin   (roles: agency, provider, ndrc, person, requester, institution, supervisor, admin)`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main().catch((error: unknown) => {
  process.stderr.write(`\nThe platform did not start: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
