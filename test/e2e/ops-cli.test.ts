import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../src/api/auth';
import { loadConfig } from '../../src/config';
import { projectRoot } from '../../src/project-root';
import { withDevSecrets } from '../../src/workers/dev-secrets';
import { shanghaiDayOf } from '../../src/domain/working-days';
import { identityNumber } from '../support/identities';
import { organisations } from '../support/organisations';
import { startPlatform, type RunningPlatform } from '../support/platform';

const run = promisify(execFile);

describe('The operations CLI, through the API', () => {
  let platform: RunningPlatform;
  let market: string;
  const folder = mkdtempSync(join(tmpdir(), 'ops-cli-'));
  const today = shanghaiDayOf(new Date());

  /** Runs `integrity-ops` as an operator would, with the API and token in the environment. */
  const ops = (args: string[], token = market) =>
    run(join(projectRoot, 'node_modules', '.bin', 'tsx'), [join(projectRoot, 'src', 'cli', 'ops.ts'), ...args], {
      cwd: folder,
      env: { ...process.env, INTEGRITY_API: platform.url, INTEGRITY_TOKEN: token },
    }).then(
      (done) => ({ code: 0, stdout: done.stdout, stderr: done.stderr }),
      (failed: { code: number; stdout: string; stderr: string }) => ({ code: failed.code, stdout: failed.stdout, stderr: failed.stderr }),
    );

  beforeAll(async () => {
    platform = await startPlatform();
    ({ market } = await organisations(platform, { market: 'ops-market' }));
  });
  afterAll(() => platform?.stop());

  it('imports a file of records with progress and a summary of accepted, refused and duplicate rows, the refused ones written to a file', async () => {
    const penalty = (reference: string, sequence: number) => ({
      reference,
      identityNumber: identityNumber('1974-04-04', sequence),
      category: 'administrative',
      typeCode: 'administrative-penalty',
      formedOn: today,
      details: { procedure: 'general' },
    });
    const rows = [penalty('OPS-1', 401), penalty('OPS-2', 402), penalty('OPS-3', 403), { ...penalty('OPS-4', 404), typeCode: 'parking-ticket' }, penalty('OPS-1', 401)];
    writeFileSync(join(folder, 'records.ndjson'), rows.map((row) => JSON.stringify(row)).join('\n') + '\n');

    const imported = await ops(['import', 'records.ndjson', '--refused', 'refused.ndjson']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/5 rows, 3 accepted, 1 refused, 1 duplicate; refused rows in refused\.ndjson/);
    const refused = readFileSync(join(folder, 'refused.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(refused).toEqual([expect.objectContaining({ row: 4, outcome: 'refused', reference: 'OPS-4', field: 'typeCode' })]);
    expect((await platform.db.pool.query(`SELECT count(*)::int AS n FROM records WHERE reference LIKE 'OPS-%'`)).rows[0].n).toBe(3);
  });

  it('stops at once, non-zero, on a file holding text no database can store, naming the row, the field and the line, and on a CSV it cannot read', async () => {
    const row = (reference: string, note?: string) =>
      JSON.stringify({ reference, identityNumber: identityNumber('1974-04-04', 405), category: 'administrative', typeCode: 'administrative-penalty', formedOn: today, details: { procedure: 'general', ...(note ? { note } : {}) } });
    writeFileSync(join(folder, 'surrogate.ndjson'), `${row('OPS-S1')}\n${row('OPS-S2', 'a\ud800b')}\n${row('OPS-S3')}\n`);
    const refused = await ops(['import', 'surrogate.ndjson']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/400 invalid-input rows\.2\.details\.note \(line 2\): must be well-formed text/);
    writeFileSync(join(folder, 'quote.csv'), `reference,identityNumber\nOPS-Q1,"unterminated\n`);
    const unreadable = await ops(['import', 'quote.csv']);
    expect(unreadable.code).not.toBe(0);
    expect(unreadable.stderr).toMatch(/400 invalid-csv body: line 2: Quote Not Closed/);
    expect((await platform.db.pool.query(`SELECT count(*)::int AS n FROM records WHERE reference LIKE 'OPS-S%' OR reference LIKE 'OPS-Q%'`)).rows[0].n).toBe(0);
  });

  it('fails with a non-zero exit code and the reason: a refused token, a wrong role, a missing file', async () => {
    const unknown = await ops(['import', 'records.ndjson'], 'not-a-token');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/401 invalid-token/);
    const wrongRole = await ops(['rescore', 'pause']);
    expect(wrongRole.code).not.toBe(0);
    expect(wrongRole.stderr).toMatch(/403 forbidden/);
    expect((await ops(['import', 'nowhere.ndjson'])).code).not.toBe(0);
    const help = await ops(['calendar', 'load', '--help']);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('--notice <file>') });
  });

  it('pauses and resumes the nightly rescoring, and loads a calendar year following the change to its end', async () => {
    const institution = await platform.token('institution');
    expect(await ops(['rescore', 'pause'], institution)).toMatchObject({ code: 0, stdout: 'schedule paused\n' });
    expect(await ops(['rescore', 'unpause'], institution)).toMatchObject({ code: 0, stdout: 'schedule resumed\n' });
    const loaded = await ops(['calendar', 'load', '2026'], await platform.token('admin'));
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(loaded.stdout).toMatch(/calendar change .*: 365 days stored/);
  });

  it('mints a dev token the local platform verifies, and refuses one the API would refuse, non-zero', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-token-'));
    const mint = (args: string[]) =>
      run(join(projectRoot, 'node_modules', '.bin', 'tsx'), [join(projectRoot, 'src', 'cli', 'ops.ts'), 'token', ...args], { cwd: folder, env: { ...process.env, DATA_DIR: dataDir } }).then(
        (done) => ({ code: 0, stdout: done.stdout, stderr: done.stderr }),
        (failed: { code: number; stdout: string; stderr: string }) => ({ code: failed.code, stdout: failed.stdout, stderr: failed.stderr }),
      );
    const minted = await mint(['agency', '--agency', 'ops-market', '--subject', 'clerk-ops', '--hours', '2']);
    expect(minted.code).toBe(0);
    const verify = await createTokenVerifier(loadConfig(await withDevSecrets({ DATA_DIR: dataDir }, dataDir)));
    expect(await verify(minted.stdout.trim())).toEqual({ subject: 'clerk-ops', role: 'agency', agencyId: 'ops-market' });
    const refused = await mint(['agency']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('An agency token names its agency: --agency <id>');
    expect((await mint(['--help'])).stdout).toContain('mint a dev bearer token');
  });
});
