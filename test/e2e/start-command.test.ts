import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root';
import { resolveTemporalExecutable } from '../../src/temporal/binaries';
import { freePort } from '../support/ports';

const TSX = join(projectRoot, 'node_modules', '.bin', 'tsx');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `npm start`'s program (src/workers/dev-stack.ts) as its own process, the way a developer does. */
function start(env: NodeJS.ProcessEnv): Started {
  let output = '';
  // Node itself with tsx's loader, so the exit code is the program's own (tsx's CLI reports 130 on Ctrl-C).
  const child = spawn(process.execPath, ['--single-threaded-gc', '--import', 'tsx', 'src/workers/dev-stack.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'integrity-start-'));
  chmodSync(dir, 0o755);
  return dir;
}

describe('The start command', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('stops at once, naming DATABASE_URL and the server but not the password, when Postgres is unreachable', async () => {
    const dataDir = scratchDir();
    dirs.push(dataDir);
    const run = start({ DATA_DIR: dataDir, DATABASE_URL: 'postgres://scorer:s3cret@127.0.0.1:1/integrity' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('Cannot connect to Postgres at 127.0.0.1:1/integrity (DATABASE_URL)');
    expect(run.output()).not.toContain('s3cret');
  });

  it('stops at once, naming the variable, when DATABASE_URL is malformed or a production key is missing', async () => {
    const dataDir = scratchDir();
    dirs.push(dataDir);
    const malformed = start({ DATA_DIR: dataDir, DATABASE_URL: 'not a url' });
    expect(await malformed.exited).toBe(1);
    expect(malformed.output()).toContain('DATABASE_URL: must be postgres://');

    const production = start({ PLATFORM_ENV: 'production', AUTH_JWKS_URL: 'https://id.example/jwks' });
    expect(await production.exited).toBe(1);
    expect(production.output()).toMatch(/PAYLOAD_KEY: is required.*IDENTITY_ENCRYPTION_KEY: is required/);
  });

  it('mints no token the API would refuse: a person token without --person, an agency token without --agency', () => {
    const dataDir = scratchDir();
    dirs.push(dataDir);
    const mint = (...args: string[]) => spawnSync(TSX, ['src/workers/mint-token.ts', ...args], { cwd: projectRoot, env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8' });
    const person = mint('person');
    expect(person.status).toBe(1);
    expect(person.stderr).toContain('--person <uuid>');
    expect(mint('agency').stderr).toContain('--agency <id>');
    expect(mint('person', '--person', '370102198001010011').stderr).toContain('--person must be a uuid');
    const minted = mint('person', '--person', '0f0e6a52-5f3c-4b8e-9d35-3c1a2b4d5e6f');
    expect(minted.status).toBe(0);
    expect(minted.stdout.trim().split('.')).toHaveLength(3);
  });

  it('brings up Postgres, the dev server with its Web UI and search attributes, the worker and the API; a second start keeps the data', async () => {
    const dataDir = scratchDir();
    dirs.push(dataDir);
    const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), postgres: await freePort() };
    const env = {
      DATA_DIR: dataDir,
      API_PORT: String(ports.api),
      TEMPORAL_DEV_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      EMBEDDED_POSTGRES_PORT: String(ports.postgres),
    };
    const api = `http://127.0.0.1:${ports.api}`;

    const first = start(env);
    try {
      await expect.poll(first.output, { timeout: 90_000, interval: 500 }).toContain('platform is running');
      expect(await (await fetch(`${api}/health`)).json()).toEqual({ status: 'ok', postgres: 'up', temporal: 'up' });
      expect((await fetch(`http://localhost:${ports.ui}/`)).status).toBe(200);
      const cli = resolveTemporalExecutable('cli').executable;
      const attributes = execFileSync((cli as { path: string }).path, ['operator', 'search-attribute', 'list', '--address', `localhost:${ports.temporal}`]).toString();
      for (const name of ['CreditProcess', 'SlaStage', 'SlaDueAt', 'SlaState', 'Agency']) expect(attributes).toContain(name);

      const token = execFileSync(TSX, ['src/workers/mint-token.ts', 'admin'], { cwd: projectRoot, env: { ...process.env, DATA_DIR: dataDir } })
        .toString()
        .trim();
      const started = (await (
        await fetch(`${api}/admin/calendar/years/2025`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{}',
        })
      ).json()) as { changeId: string };
      const status = async () =>
        ((await (await fetch(`${api}/admin/calendar/changes/${started.changeId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string })
          .status;
      await expect.poll(status, { timeout: 30_000 }).toBe('COMPLETED');

      first.child.kill('SIGINT');
      expect(await first.exited).toBe(0);

      const second = start(env);
      try {
        await expect.poll(second.output, { timeout: 90_000, interval: 500 }).toContain('platform is running');
        expect(await status()).toBe('COMPLETED');
      } finally {
        second.child.kill('SIGINT');
        expect(await second.exited).toBe(0);
      }
    } finally {
      first.child.kill('SIGINT');
    }
  }, 240_000);
});
