import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { expect } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/project-root';
import { resolveTemporalExecutable } from '../../src/temporal/binaries';
import { createDataConverter, registerSearchAttributes } from '../../src/temporal/connection';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/workers/platform-worker';
import { testConfig } from './config';

const LIBFAKETIME_CANDIDATES = [
  process.env.LIBFAKETIME_PATH,
  join(projectRoot, '.tools', 'py', 'libfaketime', 'vendor', 'libfaketime', 'src', 'libfaketime.so.1'),
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
].filter((path): path is string => Boolean(path));

/**
 * The time-skipping test server's clock starts at the real now, and it can only skip forward.
 * To place a receipt just before a 2026 holiday, the server is started through libfaketime
 * (a PyPI wheel installed by scripts/setup.mjs) with its clock at `startAt`; workflow time is the
 * server's time, so the workflow under test lives on that date.
 */
function serverStartingAt(startAt: Date): string {
  const testServer = resolveTemporalExecutable('testServer');
  if (testServer.executable.type !== 'existing-path') {
    throw new Error(`Starting the test server at a chosen date needs an installed test server; tried ${testServer.tried.join('; ')}`);
  }
  const library = LIBFAKETIME_CANDIDATES.find((path) => existsSync(path));
  if (!library) throw new Error(`libfaketime not found (tried ${LIBFAKETIME_CANDIDATES.join(', ')}); run "node scripts/setup.mjs"`);
  const wrapper = join(mkdtempSync(join(tmpdir(), 'test-server-')), 'temporal-test-server');
  const fakeTime = startAt.toISOString().slice(0, 19).replace('T', ' ');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nTZ=UTC LD_PRELOAD='${library}' FAKETIME='@${fakeTime}' FAKETIME_DONT_RESET=1 exec '${testServer.executable.path}' "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

/** A time-skipping test environment, with the platform's payload codec (the tests' key unless given) and search attributes. */
export async function startTimeSkipping(
  options: { startAt?: Date; dataConverter?: ReturnType<typeof createDataConverter> } = {},
): Promise<TestWorkflowEnvironment> {
  const executable = options.startAt
    ? { type: 'existing-path' as const, path: serverStartingAt(options.startAt) }
    : resolveTemporalExecutable('testServer').executable;
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable },
    client: { dataConverter: options.dataConverter ?? createDataConverter(testConfig) },
  });
  // The time-skipping server has no start flags for them: register before any workflow upserts.
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/**
 * Waits for a workflow to complete without awaiting its result: the time-skipping server skips
 * time while a result is awaited, and after completion it jumps to the run's 10-year timeout,
 * which would move the dates a following test relies on.
 */
export async function completed(handle: { describe(): Promise<{ status: { name: string } }> }): Promise<void> {
  await expect.poll(async () => (await handle.describe()).status.name, { timeout: 30_000, interval: 50 }).toBe('COMPLETED');
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The platform's workflows plus the test probes, bundled once per test file. */
export function testWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: join(projectRoot, 'test', 'support', 'workflows.ts'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: quietBundlerLogger,
  });
  return bundle;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`${message}\n`),
  error: (message: string) => process.stderr.write(`${message}\n`),
};
