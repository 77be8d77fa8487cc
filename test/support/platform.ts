import type { Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config';
import type { Role } from '../../src/domain/roles';
import { createLogger } from '../../src/logger';
import { startStack } from '../../src/workers/stack';
import { createTestDatabase, type TestDatabase } from './database';
import { freePort } from './ports';
import { createTestTokens, type TokenClaims } from './tokens';

/** An answer of the API as a test reads it, field by field. */
export interface JsonAnswer {
  status: number;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers read field by field
}

export interface RunningPlatform {
  url: string;
  db: TestDatabase;
  /** The platform's own Temporal client, e.g. for the visibility queries supervisors run in the Web UI. */
  client: Client;
  /** One JSON call to the API, as a client would make it (an answer in another format is its text). */
  call<T = Record<string, unknown>>(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }>;
  /**
   * The environment a process of the platform's own started alone needs to join it
   * (`npm run worker`, `npm run api`): the same servers, task queue and keys.
   */
  processEnv: NodeJS.ProcessEnv;
  /** A bearer token for a role, signed with this platform's test key. */
  token(role: Role, claims?: TokenClaims): Promise<string>;
  /** The person signs the collection-and-use agreement in force through the API (Art. 7), as they must before any score is shown. */
  signAgreement(personToken: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The platform exactly as `npm start` wires it (src/workers/stack.ts), pointed at the run's
 * Temporal dev server and at a database of the test file's own, on its own task queue. The
 * namespace is shared: workflow ids built from an agency and a reference (`record-sharing/...`)
 * must not repeat across test files, so each file uses references of its own.
 */
export async function startPlatform(): Promise<RunningPlatform> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'platform-'));
  const tokens = await createTestTokens(dataDir, () => config);
  const queue = randomBytes(4).toString('hex');
  const processEnv = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: inject('devServerAddress'),
    TEMPORAL_UI_URL: inject('devServerUiUrl'),
    TEMPORAL_TASK_QUEUE: `e2e-${queue}`,
    // Each platform is a Worker Deployment of its own on the shared dev server, its worker made current at start.
    TEMPORAL_DEPLOYMENT_NAME: `e2e-${queue}`,
    PAYLOAD_KEY: randomBytes(32).toString('base64'),
    IDENTITY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    IDENTITY_HASH_KEY: randomBytes(32).toString('base64'),
    AUTH_PUBLIC_KEY_FILE: tokens.publicKeyFile,
    LOG_LEVEL: 'silent',
  };
  const config = loadConfig({ ...processEnv, API_PORT: String(await freePort()) });
  // Every request, warning and refusal (with its body) goes to a log the PII scan reads after the run.
  const log = pino.destination({ dest: join(inject('logDir'), `platform-${randomBytes(4).toString('hex')}.log`), sync: false });
  const stack = await startStack(config, dataDir, createLogger('info', undefined, log));

  return {
    url: stack.apiUrl,
    db,
    client: stack.client,
    processEnv,
    async call<T>(method: string, path: string, token?: string, body?: unknown) {
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      // A report in another format (CSV) comes back as its text.
      const json = response.headers.get('content-type')?.includes('application/json');
      return { status: response.status, body: (json ? await response.json() : await response.text()) as T };
    },
    token: (role, claims) => tokens.token(role, claims),
    async signAgreement(this: RunningPlatform, personToken: string) {
      const text = await this.call<{ version: string }>('GET', '/agreement-text');
      const signed = await this.call('POST', '/me/agreement', personToken, { textVersion: text.body.version, channel: 'app' });
      if (signed.status !== 201) throw new Error(`the agreement was not signed: ${JSON.stringify(signed.body)}`);
    },
    async stop() {
      await stack.stop();
      log.flushSync();
      await db.drop();
    },
  };
}
