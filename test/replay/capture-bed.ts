import { Client, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createChunkStoringThreads } from '../../src/activities/bulk-intake/chunk-threads';
import { loadConfig } from '../../src/config';
import { seedPackageYears } from '../../src/db/calendar';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { createPlatformWorker } from '../../src/workers/platform-worker';
import { startApiRole, Stops } from '../../src/workers/roles';
import { freePort } from '../support/ports';
import { startTimeSkipping } from '../support/time-skipping';
import type { PlatformAccess } from '../support/platform-driver';
import { createTestTokens } from '../support/tokens';
import { REPLAY_KEYS, replayDataConverter } from './fixture-key';

export interface StartedWorkflow {
  workflowType: string;
  workflowId: string;
}

/** One stored history: which waiting point of which workflow it shows. */
export interface CapturedHistory {
  file: string;
  workflowType: string;
  point: string;
  events: number;
}

/**
 * The platform as it runs in production (its API, its worker with the real activities on a real
 * Postgres, the production workflow bundle), on the time-skipping test server, so a capture can
 * jump to the moment a reminder, a breach or an expiry fires. Time moves only when `skip` is called.
 */
export interface CaptureBed extends PlatformAccess {
  env: TestWorkflowEnvironment;
  client: Client;
  /** The workflows started through the platform's client, in order. */
  started: StartedWorkflow[];
  /** Moves the server's clock forward, firing every timer due meanwhile, and lets the workflows settle. */
  skip(duration: string): Promise<void>;
  /** Waits until the workflow has nothing in flight. */
  rest(handle: WorkflowHandle): Promise<void>;
  /** Waits until the workflow has nothing in flight, then stores its history as `<point>.json`. */
  save(handle: WorkflowHandle | string, point: string): Promise<CapturedHistory>;
  stop(): Promise<void>;
}

export async function startCaptureBed(outDir: string): Promise<CaptureBed> {
  const stops = new Stops(createLogger('silent'));
  const dataDir = mkdtempSync(join(tmpdir(), 'replay-capture-'));
  // As root, Postgres runs as the `postgres` user, which must be able to reach its data folder.
  chmodSync(dataDir, 0o755);
  stops.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  return stops.starting(async () => {
    const db = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port: await freePort(), database: 'replay_capture' });
    stops.push(() => db.stop());
    await migrate(db.url);
    const pool = createPool(db.url);
    // The server stopping at the end closes idle connections: not a failure of the capture.
    pool.on('error', () => undefined);
    stops.push(() => pool.end());
    await seedPackageYears(pool, 'replay capture');

    const env = await startTimeSkipping({ dataConverter: replayDataConverter() });
    stops.push(() => env.teardown());
    const tokens = await createTestTokens(dataDir, () => config);
    const config = loadConfig({
      PAYLOAD_KEY_ID: REPLAY_KEYS.PAYLOAD_KEY_ID,
      PAYLOAD_KEY: REPLAY_KEYS.PAYLOAD_KEY,
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: 'replay-capture',
      IDENTITY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      IDENTITY_HASH_KEY: randomBytes(32).toString('base64'),
      AUTH_PUBLIC_KEY_FILE: tokens.publicKeyFile,
      API_PORT: String(await freePort()),
      LOG_LEVEL: 'silent',
    });

    // A plain client, not the environment's: the environment's skips time while it awaits a result.
    // It also notes every workflow the API starts, so a capture finds one the API does not name.
    const started: StartedWorkflow[] = [];
    const client = new Client({
      connection: env.connection,
      namespace: env.namespace ?? 'default',
      dataConverter: replayDataConverter(),
      interceptors: {
        workflow: [
          {
            startWithDetails(input, next) {
              started.push({ workflowType: input.workflowType, workflowId: input.options.workflowId });
              return next(input);
            },
            startUpdateWithStart(input, next) {
              started.push({ workflowType: input.workflowType, workflowId: input.workflowStartOptions.workflowId });
              return next(input);
            },
            signalWithStart(input, next) {
              started.push({ workflowType: input.workflowType, workflowId: input.options.workflowId });
              return next(input);
            },
          },
        ],
      },
    });
    const chunkStoring = createChunkStoringThreads({ databaseUrl: db.url, ...config });
    stops.push(() => chunkStoring.close());
    const worker = await createPlatformWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      pool,
      client,
      chunkStoring,
      dataConverter: replayDataConverter(),
    });
    const running = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    const logger = createLogger('warn', 'replay-capture', pino.destination(2));
    const { url } = await startApiRole(config, { pool, client, connection: env.connection }, logger, stops);

    mkdirSync(outDir, { recursive: true });
    const handleOf = (handle: WorkflowHandle | string) => (typeof handle === 'string' ? client.workflow.getHandle(handle) : handle);
    return {
      env,
      client,
      started,
      pool,
      async call(method, path, token, body, contentType = 'application/json') {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': contentType }) },
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        });
        const text = await response.text();
        return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : { text } };
      },
      token: (role, claims) => tokens.token(role, claims),
      rest: quiescent,
      async skip(duration) {
        await env.sleep(duration);
        // Lets the work the fired timers started (reminders, breaches, expiries) run.
        await pause(1_000);
      },
      async save(target, point) {
        const handle = handleOf(target);
        await quiescent(handle);
        const history = await handle.fetchHistory();
        const workflowType = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'unknown';
        const file = `${point}.json`;
        writeFileSync(join(outDir, file), `${historyToJSON(history)}\n`);
        return { file, workflowType, point, events: history.events?.length ?? 0 };
      },
      stop: () => stops.run(),
    };
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A workflow is at a waiting point when no workflow task, activity or child is in flight and its
 * history stops growing: then its stored history ends where a release would find it.
 */
async function quiescent(handle: WorkflowHandle): Promise<void> {
  let length = -1;
  for (let tries = 0; tries < 600; tries += 1) {
    const { raw, historyLength, status } = await handle.describe();
    const idle = status.name !== 'RUNNING' || (!raw.pendingWorkflowTask && (raw.pendingActivities?.length ?? 0) === 0 && (raw.pendingChildren?.length ?? 0) === 0);
    if (idle && historyLength === length) return;
    length = idle ? historyLength : -1;
    await pause(100);
  }
  throw new Error(`${handle.workflowId} never came to rest`);
}
