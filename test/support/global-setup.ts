import type { TestProject } from 'vitest/node';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { seedPackageYears } from '../../src/db/calendar';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { withTemporalExecutable } from '../../src/temporal/binaries';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/shared/contract';
import { scanHistoriesForIdentityNumbers, scanLogsForIdentityNumbers, type LogScan, type PiiScan } from './pii-scan';
import { freePort } from './ports';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's Postgres server, with `{db}` where a database name goes. */
    postgresUrlTemplate: string;
    /** A migrated database each test file copies (test/support/database.ts). */
    templateDatabase: string;
    /** The run's Temporal CLI dev server, for end-to-end tests. */
    devServerAddress: string;
    /** Its Web UI, which the SLA board links to (the browser tests open it). */
    devServerUiUrl: string;
    /** Where the end-to-end platforms write their logs, for the PII scan after the run. */
    logDir: string;
  }
}

export const TEMPLATE_DATABASE = 'integrity_template';

/** Starts the servers every test file shares: one real Postgres and one Temporal dev server. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataDir = mkdtempSync(join(tmpdir(), 'integrity-test-'));
  // As root, Postgres runs as the `postgres` user, which must be able to reach its data folder.
  chmodSync(dataDir, 0o755);
  const db = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: await freePort(), database: TEMPLATE_DATABASE });
  await migrate(db.url);
  const pool = createPool(db.url, 1);
  await seedPackageYears(pool, 'test set-up');
  await pool.end();

  const uiPort = await freePort();
  const { value: devServer } = await withTemporalExecutable('cli', (executable) =>
    // Errors only: its warnings (search attributes registered twice, worker deployments' own workflows) are not the tests' concern.
    TestWorkflowEnvironment.createLocal({ server: { executable, searchAttributes: SEARCH_ATTRIBUTES, ui: true, uiPort, log: { format: 'pretty', level: 'error' } } }),
  );

  project.provide('postgresUrlTemplate', db.urlFor('{db}'));
  project.provide('templateDatabase', TEMPLATE_DATABASE);
  project.provide('devServerAddress', devServer.address);
  project.provide('devServerUiUrl', `http://localhost:${uiPort}`);
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir);
  project.provide('logDir', logDir);

  return async () => {
    let scan: PiiScan;
    let logs: LogScan | undefined;
    try {
      // After every end-to-end test of the run: no identity number in clear in any stored history, log line or error body.
      scan = await scanHistoriesForIdentityNumbers(devServer.address);
      process.stdout.write(`\nPII scan of the dev server's histories: ${scan.workflows} workflows, ${scan.events} events, ${scan.hits.length} identity numbers in clear\n`);
      logs = scanLogsForIdentityNumbers(logDir);
      process.stdout.write(`PII scan of the platforms' logs and error bodies: ${logs.files} logs, ${logs.lines} lines, ${logs.hits.length} identity numbers in clear\n`);
    } finally {
      await devServer.teardown();
      await db.stop();
      // A log with a hit is kept for its reader.
      if (!logs?.hits.length) rmSync(dataDir, { recursive: true, force: true });
    }
    if (scan.hits.length > 0 || logs!.hits.length > 0) {
      // vitest only prints an error thrown here: the exit code is what fails the run.
      process.exitCode = 1;
      throw new Error(
        `Identity numbers in clear: ${[
          ...scan.hits.map((hit) => `history of ${hit.workflowId} (run ${hit.runId}, event ${hit.eventId})`),
          ...logs!.hits.map((hit) => `log ${join(logDir, hit.file)}, line ${hit.line}`),
        ].join('; ')}`,
      );
    }
  };
}
