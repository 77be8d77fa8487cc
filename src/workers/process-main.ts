import { Runtime } from '@temporalio/worker';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, type Config, type ProcessRole } from '../config';
import { createLogger, type Logger } from '../logger';
import { projectRoot } from '../project-root';
import { runtimeLogger } from '../temporal/runtime-logger';
import { withDevSecrets } from './dev-secrets';

export interface StartedProcess {
  /** What the process tells its operator once it is up. */
  banner: string;
  stop(): Promise<void>;
  /** Settles if the process's main work ends by itself (a worker that failed): the process then exits. */
  ended?: Promise<unknown>;
}

/**
 * The `main` of each command-line process (`npm start`, `npm run worker`, `npm run api`): the
 * settings from the environment (in development, missing keys from DATA_DIR, shared by every
 * process on the machine), a loud non-zero exit when it cannot start, and an ordered stop on
 * Ctrl-C or SIGTERM.
 */
export function runProcess(role: ProcessRole, start: (config: Config, dataDir: string, logger: Logger) => Promise<StartedProcess>): void {
  const main = async () => {
    const dataDir = resolve(projectRoot, process.env.DATA_DIR ?? '.data');
    const env = process.env.PLATFORM_ENV === 'production' ? process.env : await withDevSecrets(process.env, dataDir);
    const config = loadConfig(env, role);
    const logger = createLogger(config.LOG_LEVEL);
    // The process owns its signals: it stops the API, then the worker, then the servers, in order.
    Runtime.install({ logger: runtimeLogger('WARN'), shutdownSignals: [] });
    const started = await start(config, dataDir, logger);
    process.stdout.write(`\n${started.banner}\nPress Ctrl-C to stop.\n\n`);

    let stopping = false;
    const stop = (code: number) => {
      if (stopping) return;
      stopping = true;
      void started.stop().then(() => process.exit(code));
    };
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        logger.info({ signal }, 'stopping');
        stop(0);
      });
    }
    started.ended?.then(
      () => stop(0),
      (error: unknown) => {
        logger.error({ err: error }, 'the process failed');
        stop(1);
      },
    );
  };
  main().catch((error: unknown) => {
    process.stderr.write(`\nThe ${role} did not start: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
