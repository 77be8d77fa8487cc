import { DefaultLogger, Runtime } from '@temporalio/worker';
import { importJWK, SignJWT } from 'jose';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
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
  options: { worker?: boolean } = {},
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
  const stack = await startStack(config, dataDir, createLogger('warn'), options);
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

export interface ChildProcessHandle {
  pid: number;
  /** An ordered stop (SIGTERM), as an operator's. */
  stop: () => Promise<void>;
  /** A crash (SIGKILL): nothing in the process gets to clean up. */
  crash: () => Promise<void>;
  /** Settles when the process has exited, for whatever reason. */
  exited: Promise<void>;
}

/**
 * A TypeScript entry point of this project as its own process (as `npm run api` deploys the API),
 * so that the load generator does not share its event loop; resolves once it prints `ready`.
 * With `log`, its output is appended to that file instead of the console.
 */
export async function startProcess(
  entry: string,
  env: Record<string, string>,
  ready: string,
  options: { nodeFlags?: string[]; log?: string; cwd?: string } = {},
): Promise<ChildProcessHandle> {
  const output = options.log ? openSync(options.log, 'a') : 'inherit';
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', output],
    // Another checkout of the project (a previous release's), whose entry and packages are its own.
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  // The child has its own copy of the log's descriptor.
  if (typeof output === 'number') closeSync(output);
  // A benchmark that fails half-way leaves nothing running.
  const killOnExit = () => child.kill();
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => process.off('exit', killOnExit));
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      if (options.log) appendFileSync(options.log, chunk);
      seen += chunk.toString();
      if (seen.includes(ready)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code} before it was ready`)));
  });
  if (!options.log) child.stdout!.resume();
  const ended = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return { pid: child.pid!, stop: () => ended('SIGTERM'), crash: () => ended('SIGKILL'), exited };
}

/**
 * CPU seconds (user and system) a process has used so far, its ended children's included (a
 * Postgres backend's, once its connection closed), from /proc.
 */
export function cpuSeconds(pid: number): number {
  // The fields after the command name (which may hold spaces) start at the state, field 3; utime,
  // stime, cutime and cstime are fields 14 to 17.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
}
/** Linux's USER_HZ on every platform Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The processes started under `root` (itself included), by command name: the servers a benchmark started, for its CPU accounting. */
export function processTree(root: number): { pid: number; command: string }[] {
  const parents = new Map<number, { parent: number; command: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      parents.set(Number(entry), { parent: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), command });
    } catch {
      // The process ended while the folder was read.
    }
  }
  const inTree = (pid: number): boolean => pid === root || (pid > 1 && parents.has(pid) && inTree(parents.get(pid)!.parent));
  return [...parents].filter(([pid]) => inTree(pid)).map(([pid, { command }]) => ({ pid, command }));
}

/** A process's resident memory, from /proc. */
export function residentMemory(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/**
 * The machine's CPU time so far, and the part of it the hypervisor gave to other guests (steal),
 * from /proc/stat: on a shared host a measure's figures mean little while much is stolen.
 */
export function hostCpu(): { total: number; stolen: number } {
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((sum, value) => sum + value, 0), stolen: fields[7]! };
}

/** The share of the machine's CPU time stolen between two readings of `hostCpu`, in percent. */
export function stolenShare(before: ReturnType<typeof hostCpu>, after: ReturnType<typeof hostCpu>): number {
  const total = after.total - before.total;
  return total === 0 ? 0 : Math.round(((after.stolen - before.stolen) / total) * 100);
}

/**
 * Watches the disk under `folder` (the database's) while a measure runs: a page written and
 * flushed (fdatasync) every 50 ms, and the longest such flush. A read is answered only once its
 * register row is committed, and a commit waits for the disk's flush; on a shared host that flush
 * now and then stalls for a tenth of a second or more, whatever this machine is doing.
 */
export async function watchDiskFlushes(folder: string): Promise<{ stop: () => Promise<number> }> {
  const file = await open(join(folder, 'flush-probe'), 'w');
  const page = Buffer.alloc(8192);
  let running = true;
  let longest = 0;
  const watching = (async () => {
    while (running) {
      const started = performance.now();
      await file.write(page, 0, page.length, 0);
      await file.datasync();
      longest = Math.max(longest, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await watching;
      await file.close();
      return Math.round(longest);
    },
  };
}
