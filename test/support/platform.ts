import type { Client } from '@temporalio/client';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createTokenVerifier } from '../../src/api/auth';
import { buildApi } from '../../src/api/server';
import { loadConfig } from '../../src/config';
import type { Role } from '../../src/domain/roles';
import { IdentityProtection } from '../../src/db/persons';
import { createLogger } from '../../src/logger';
import { connectClient, connectWorkerConnection, createDataConverter, createPayloadCodec } from '../../src/temporal/connection';
import { createPlatformWorker } from '../../src/workers/worker';
import { createTestDatabase, type TestDatabase } from './database';
import { testWorkflowBundle } from './time-skipping';

export interface RunningPlatform {
  url: string;
  db: TestDatabase;
  client: Client;
  /** A bearer token for a role, signed with this platform's test key. */
  token(role: Role, claims?: { agency?: string; person?: string; subject?: string }): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The platform as `npm start` wires it (real worker, real API over HTTP, real Postgres) on the
 * run's Temporal dev server, with a database and a task queue of the test file's own.
 */
export async function startPlatform(): Promise<RunningPlatform> {
  const db = await createTestDatabase();
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const keyFile = join(mkdtempSync(join(tmpdir(), 'auth-')), 'public.pem');
  writeFileSync(keyFile, await exportSPKI(publicKey));
  const config = loadConfig({
    PAYLOAD_KEY: randomBytes(32).toString('base64'),
    IDENTITY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    IDENTITY_HASH_KEY: randomBytes(32).toString('base64'),
    AUTH_PUBLIC_KEY_FILE: keyFile,
    TEMPORAL_TASK_QUEUE: `e2e-${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'silent',
  });
  const address = inject('devServerAddress');
  const { client, connection } = await connectClient(config, address);
  const workerConnection = await connectWorkerConnection(config, address);
  const worker = await createPlatformWorker({
    connection: workerConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    pool: db.pool,
    client,
    dataConverter: createDataConverter(config),
    workflowBundle: await testWorkflowBundle(),
  });
  const running = worker.run();
  const api = await buildApi({
    pool: db.pool,
    client,
    connection,
    codec: createPayloadCodec(config),
    identity: new IdentityProtection(config),
    verifyToken: await createTokenVerifier(config),
    logger: createLogger('silent'),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    codecOrigins: config.CODEC_CORS_ORIGINS,
  });
  const url = await api.listen({ host: '127.0.0.1', port: 0 });

  return {
    url,
    db,
    client,
    token: (role, claims = {}) =>
      new SignJWT({ role, ...(claims.agency ? { agency: claims.agency } : {}), ...(claims.person ? { person: claims.person } : {}) })
        .setProtectedHeader({ alg: 'ES256' })
        .setSubject(claims.subject ?? `test-${role}`)
        .setIssuer(config.AUTH_ISSUER)
        .setAudience(config.AUTH_AUDIENCE)
        .setExpirationTime('1h')
        .sign(privateKey),
    async stop() {
      await api.close();
      worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
      await db.drop();
    },
  };
}
