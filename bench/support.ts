import { DefaultLogger, Runtime } from '@temporalio/worker';
import { importJWK, SignJWT } from 'jose';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../src/config';
import { createLogger } from '../src/logger';
import { ensureDevSecrets, withDevSecrets } from '../src/workers/dev-secrets';
import { startStack, type RunningStack } from '../src/workers/stack';
import { freePort } from '../test/support/ports';

/** The local stack of `npm start`, on free ports and a scratch data folder, for one benchmark run. */
export async function benchStack(
  name: string,
): Promise<{ stack: RunningStack; config: Config; dataDir: string; sign: (claims: Record<string, string>) => Promise<string>; close: () => Promise<void> }> {
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
    dataDir,
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

/**
 * A TypeScript entry point of this project as its own process (as `npm run api` deploys the API),
 * so that the load generator does not share its event loop; resolves once it prints `ready`.
 */
export async function startProcess(entry: string, env: Record<string, string>, ready: string, nodeFlags: string[] = []): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(ready)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code} before it was ready`)));
  });
  child.stdout!.resume();
  // A benchmark that fails half-way leaves nothing running.
  process.once('exit', () => child.kill());
  return {
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A process's resident memory, from /proc. */
export function residentMemory(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}
