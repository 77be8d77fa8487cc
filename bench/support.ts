import { DefaultLogger, Runtime } from '@temporalio/worker';
import { importJWK, SignJWT } from 'jose';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../src/config';
import { createLogger } from '../src/logger';
import { ensureDevSecrets, withDevSecrets } from '../src/workers/dev-secrets';
import { startStack, type RunningStack } from '../src/workers/stack';
import { freePort } from '../test/support/ports';

/** The local stack of `npm start`, on free ports and a scratch data folder, for one benchmark run. */
export async function benchStack(name: string): Promise<{ stack: RunningStack; config: Config; sign: (claims: Record<string, string>) => Promise<string>; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  chmodSync(dataDir, 0o755);
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const config = loadConfig(
    await withDevSecrets(
      {
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        API_PORT: String(await freePort()),
        TEMPORAL_DEV_PORT: String(await freePort()),
        TEMPORAL_UI_PORT: String(await freePort()),
        EMBEDDED_POSTGRES_PORT: String(await freePort()),
      },
      dataDir,
    ),
  );
  const stack = await startStack(config, dataDir, createLogger('warn'));
  const { secrets } = await ensureDevSecrets(dataDir);
  const key = await importJWK(secrets.authPrivateJwk, 'ES256');
  return {
    stack,
    config,
    sign: (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).setSubject(`bench-${claims.role}`).setIssuer(config.AUTH_ISSUER).setAudience(config.AUTH_AUDIENCE).setExpirationTime('2h').sign(key),
    close: async () => {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function report(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(46)}${value}\n`);
}
