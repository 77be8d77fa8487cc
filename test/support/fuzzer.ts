import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type pg from 'pg';
import { projectRoot } from '../../src/project-root';
import { completeTaskUpdate, INVALID_DECISION, type TaskActor } from '../../src/workflows/shared/contract';

const FUZZER_DIR = join(projectRoot, '.tools', 'fuzz');

/**
 * The checks a run fails on: any 5xx, and any answer the OpenAPI document does not describe (its
 * status, its body, its media type).
 */
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'response_schema_conformance', 'content_type_conformance'];

/**
 * Runs schemathesis (installed by scripts/setup.mjs into .tools/fuzz) against a running API's
 * OpenAPI document with one bearer token, bounded in examples per operation, reproducible by its
 * seed, writing nothing into the project (its example database and crash cache are turned off).
 */
export async function fuzzApi(options: {
  apiUrl: string;
  token: string;
  maxExamples: number;
  seed: number;
  /** `negative`: only requests the document says are invalid (the default generates both). */
  mode?: 'all' | 'negative';
  /** Where to write every request and answer as a HAR file. */
  harFile?: string;
  /** The OpenAPI document as a file, for a token the API refuses even on /docs/json. */
  documentFile?: string;
  /** Every string of a request may also become hostile text: lone surrogates, NUL, noncharacters, bidi overrides, 100,000 characters, CJK Extension B (fuzz_hostile.py). */
  hostile?: boolean;
}): Promise<{ exitCode: number | null; output: string }> {
  if (!existsSync(FUZZER_DIR)) throw new Error(`The API fuzzer is not installed in ${FUZZER_DIR}: run "node scripts/setup.mjs"`);
  const scratch = mkdtempSync(join(tmpdir(), 'fuzz-'));
  const config = join(scratch, 'schemathesis.toml');
  writeFileSync(config, '[cache]\nenabled = false\n');
  const args = [
    '-m', 'schemathesis.cli', '--config-file', config, 'run', options.documentFile ?? `${options.apiUrl}/docs/json`,
    '--url', options.apiUrl,
    '--header', `Authorization: Bearer ${options.token}`,
    '--checks', CHECKS.join(','),
    '--phases', 'examples,coverage,fuzzing',
    '--max-examples', String(options.maxExamples),
    '--seed', String(options.seed),
    '--generation-database', 'none',
    '--workers', '1',
    '--request-timeout', '20',
    '--no-color',
    ...(options.mode ? ['--mode', options.mode] : []),
    ...(options.harFile ? ['--report', 'har', '--report-har-path', options.harFile] : []),
  ];
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn('python3', args, {
      cwd: scratch,
      env: {
        ...process.env,
        PYTHONPATH: options.hostile ? `${FUZZER_DIR}${delimiter}${join(projectRoot, 'test', 'support')}` : FUZZER_DIR,
        ...(options.hostile ? { SCHEMATHESIS_HOOKS: 'fuzz_hostile' } : {}),
        HYPOTHESIS_STORAGE_DIRECTORY: join(scratch, 'hypothesis'),
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (exitCode) => resolve({ exitCode, output }));
  });
}

/**
 * The open tasks that their party could not decide: each is probed with a decision no task allows,
 * as its party (its claimant, if it is claimed), and is decidable when the process refuses that
 * decision for that reason alone. Returns the ids of the others.
 */
export async function undecidableTasks(pool: pg.Pool, client: Client): Promise<string[]> {
  const open = await pool.query<{ id: string; workflow_id: string; role: TaskActor['role']; agency_id: string | null; claimed_by: string | null }>(
    `SELECT id, workflow_id, role, agency_id, claimed_by FROM tasks WHERE state IN ('open', 'claimed')`,
  );
  const undecidable: string[] = [];
  for (const task of open.rows) {
    const actor: TaskActor = { subject: task.claimed_by ?? 'fuzz-probe', role: task.role, ...(task.agency_id ? { agencyId: task.agency_id } : {}) };
    const probe = await client.workflow
      .getHandle(task.workflow_id)
      .executeUpdate(completeTaskUpdate, { args: [{ taskId: task.id, actor, decision: 'no-such-decision', reasons: 'probe' }] })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    if (!(probe instanceof WorkflowUpdateFailedError && (probe.cause as { type?: string }).type === INVALID_DECISION)) undecidable.push(task.id);
  }
  return undecidable;
}
