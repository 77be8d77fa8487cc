#!/usr/bin/env -S node --import tsx
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { ROLES } from '../domain/roles';
import { mintDevToken } from '../workers/dev-token';

/**
 * `integrity-ops` (`npm run ops -- <command>`): what operators run by hand on bad days, through
 * the platform's API like any client: import a file of records with a progress bar, trigger,
 * pause and watch the nightly rescoring, load or correct a calendar year, mint a dev token. The API
 * address comes from `--api` or INTEGRITY_API, the bearer token from `--token` or INTEGRITY_TOKEN
 * (`integrity-ops token <role>` mints one locally). Exits non-zero on any failure.
 */

interface Connection {
  api: string;
  token: string;
}

class OpsError extends Error {}

async function call<T>(connection: Connection, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${connection.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${connection.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as T & { error?: { code: string; message: string; field?: string } };
  if (!response.ok) throw new OpsError(`${method} ${path}: ${response.status} ${answer.error?.code ?? ''} ${answer.error?.message ?? ''}`.trim());
  return answer;
}

function connectionOf(options: { api?: string; token?: string }): Connection {
  const api = options.api ?? process.env.INTEGRITY_API ?? 'http://localhost:3000';
  const token = options.token ?? process.env.INTEGRITY_TOKEN;
  if (!token) throw new OpsError('Give a bearer token: --token or INTEGRITY_TOKEN (integrity-ops token <role> mints one locally)');
  return { api: api.replace(/\/$/, ''), token };
}

const MEDIA_TYPES: Record<string, string> = { ndjson: 'application/x-ndjson', csv: 'text/csv', json: 'application/json' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface BatchState {
  rows: number;
  rowsStored: number;
  finished: boolean;
  accepted: number | null;
  refused: number | null;
  duplicates: number | null;
  results: { row: number; outcome: string; reference: string | null; field: string | null; reason: string | null }[];
}

/** Streams a file of records to the bulk endpoint, showing bytes sent, then waits for the batch and writes its refused rows. */
async function importRecords(file: string, options: { format?: string; refused: string; api?: string; token?: string }): Promise<void> {
  const connection = connectionOf(options);
  const format = options.format ?? extname(file).slice(1).toLowerCase();
  const mediaType = MEDIA_TYPES[format];
  if (!mediaType) throw new OpsError(`Unknown format ${format}: give --format ndjson, csv or json`);
  const size = statSync(file).size;
  const bar = new SingleBar({ format: ' {phase} [{bar}] {percentage}% | {value}/{total} {unit}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 1000 });
  bar.start(size, 0, { phase: 'sending ', unit: 'bytes' });
  let sent = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      bar.update(sent);
      done(null, chunk);
    },
  });
  const response = await fetch(`${connection.api}/records/bulk`, {
    method: 'POST',
    headers: { authorization: `Bearer ${connection.token}`, 'content-type': mediaType },
    body: Readable.toWeb(createReadStream(file).pipe(counting)) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const started = (await response.json()) as { batchId?: string; rows?: number; error?: { code: string; message: string } };
  if (!response.ok || !started.batchId) {
    bar.stop();
    throw new OpsError(`POST /records/bulk: ${response.status} ${started.error?.code ?? ''} ${started.error?.message ?? ''}`.trim());
  }
  bar.setTotal(started.rows!);
  bar.update(0, { phase: 'storing ', unit: 'rows' });
  let batch = await call<BatchState>(connection, 'GET', `/records/batches/${started.batchId}?limit=1`);
  while (!batch.finished) {
    bar.update(batch.rowsStored);
    await sleep(250);
    batch = await call<BatchState>(connection, 'GET', `/records/batches/${started.batchId}?limit=1`);
  }
  bar.update(batch.rows);
  bar.stop();
  const refused: BatchState['results'] = [];
  for (let afterRow = 0; ; ) {
    const page = await call<BatchState>(connection, 'GET', `/records/batches/${started.batchId}?outcome=refused&afterRow=${afterRow}&limit=10000`);
    refused.push(...page.results);
    if (page.results.length < 10_000) break;
    afterRow = page.results.at(-1)!.row;
  }
  writeFileSync(options.refused, refused.map((row) => JSON.stringify(row)).join('\n') + (refused.length ? '\n' : ''));
  process.stdout.write(
    `batch ${started.batchId}: ${batch.rows} rows, ${batch.accepted} accepted, ${batch.refused} refused, ${batch.duplicates} duplicate` +
      `${refused.length ? `; refused rows in ${options.refused}` : ''}\n`,
  );
}

interface Runs {
  runs: { id: string; onDay: string; selection: string; due: number | null; startedAt: string; finishedAt: string | null; personsScored: number }[];
}

/** Follows the latest rescoring run until it finishes, with persons scored against those due. */
async function watchRescoring(connection: Connection, since?: string): Promise<void> {
  const bar = new SingleBar({ format: ' rescoring {id} [{bar}] {value}/{total} persons', hideCursor: true, noTTYOutput: true, notTTYSchedule: 1000 });
  let started = false;
  for (;;) {
    const [run] = (await call<Runs>(connection, 'GET', '/rescoring/runs')).runs;
    if (run && (!since || run.startedAt >= since)) {
      if (!started) bar.start(run.due ?? run.personsScored, 0, { id: run.id });
      started = true;
      bar.setTotal(Math.max(run.due ?? 0, run.personsScored));
      bar.update(run.personsScored);
      if (run.finishedAt) {
        bar.stop();
        process.stdout.write(`run ${run.id} (${run.selection}, ${run.onDay}) finished: ${run.personsScored} persons scored\n`);
        return;
      }
    }
    await sleep(1000);
  }
}

function year(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1900 || parsed > 2098) throw new InvalidArgumentError('a year from 1900 to 2098');
  return parsed;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function opsProgram(): Command {
  const program = new Command('integrity-ops')
    .description('Operations on the Jinan personal integrity score platform, through its API')
    .option('--api <url>', 'the API address (INTEGRITY_API; default http://localhost:3000)')
    .option('--token <jwt>', 'a bearer token (INTEGRITY_TOKEN)')
    .showHelpAfterError();

  program
    .command('import')
    .description('share a file of records (NDJSON, CSV or a JSON array) as one batch, with progress and a summary')
    .argument('<file>', 'the records, one per line (NDJSON) or per row (CSV with detail.<key> columns)')
    .option('--format <format>', 'ndjson, csv or json (default: from the file name)')
    .option('--refused <file>', 'where the refused rows are written, one JSON object per line', 'refused-rows.ndjson')
    .action((file: string, options: { format?: string; refused: string }) => importRecords(file, { ...program.opts(), ...options }));

  const rescore = program.command('rescore').description('the nightly full rescoring (an institution token)');
  rescore
    .command('trigger')
    .description('run the nightly rescoring now, and watch it')
    .option('--no-watch', 'return once it is started')
    .action(async (options: { watch: boolean }) => {
      const connection = connectionOf(program.opts());
      const since = new Date().toISOString();
      await call(connection, 'POST', '/rescoring/schedule/trigger');
      process.stdout.write('rescoring started\n');
      if (options.watch) await watchRescoring(connection, since);
    });
  for (const action of ['pause', 'unpause'] as const) {
    rescore
      .command(action)
      .description(action === 'pause' ? 'pause the nightly schedule' : 'resume the nightly schedule')
      .action(async () => {
        await call(connectionOf(program.opts()), 'POST', `/rescoring/schedule/${action}`);
        process.stdout.write(`schedule ${action === 'pause' ? 'paused' : 'resumed'}\n`);
      });
  }
  rescore
    .command('watch')
    .description('follow the latest run until it finishes')
    .action(() => watchRescoring(connectionOf(program.opts())));

  const calendar = program.command('calendar').description('the working-day calendar (an admin token)');
  calendar
    .command('load')
    .description("load a year: from the chinese-days package, or from the notice's days")
    .argument('<year>', 'the year', year)
    .option('--notice <file>', 'JSON {holidays: [{day, name}], makeUpWorkdays: [{day, name}]}')
    .action(async (y: number, options: { notice?: string }) => {
      const connection = connectionOf(program.opts());
      const started = await call<{ changeId: string }>(connection, 'POST', `/admin/calendar/years/${y}`, options.notice ? readJson(options.notice) : {});
      await followCalendarChange(connection, started.changeId);
    });
  calendar
    .command('correct')
    .description('correct single days (a mid-year change of arrangements)')
    .requiredOption('--file <file>', 'JSON {days: [{day, isWorkingDay, note}], reason}')
    .action(async (options: { file: string }) => {
      const connection = connectionOf(program.opts());
      const started = await call<{ changeId: string }>(connection, 'POST', '/admin/calendar/corrections', readJson(options.file));
      await followCalendarChange(connection, started.changeId);
    });
  program
    .command('token')
    .description('mint a dev bearer token for the local platform (signed with the dev key under DATA_DIR; never in production)')
    .argument('<role>', ROLES.join(', '))
    .option('--agency <id>', 'the agency an agency, provider, requester or civic-db token acts for')
    .option('--person <uuid>', "a person token's person (their id in the platform, never an identity number)")
    .option('--subject <name>', 'the subject (default dev-<role>)')
    .option('--acr <value>', "the authentication context (a person's default: real-name)")
    .option('--hours <n>', 'how long it is valid', (value) => {
      const hours = Number(value);
      if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) throw new InvalidArgumentError('a number of hours from 0 to 720');
      return hours;
    }, 8)
    .action(async (role: string, options: { agency?: string; person?: string; subject?: string; acr?: string; hours: number }) => {
      try {
        process.stdout.write(`${await mintDevToken({ role, ...options })}\n`);
      } catch (error) {
        throw new OpsError(error instanceof Error ? error.message : String(error));
      }
    });
  return program;
}

async function followCalendarChange(connection: Connection, changeId: string): Promise<void> {
  for (;;) {
    const change = await call<{ status: string; result?: { days: number; signalled: number }; failure?: string }>(connection, 'GET', `/admin/calendar/changes/${changeId}`);
    if (change.status === 'COMPLETED') {
      process.stdout.write(`calendar change ${changeId}: ${change.result?.days} days stored, ${change.result?.signalled} open processes told\n`);
      return;
    }
    if (change.status !== 'RUNNING') throw new OpsError(`calendar change ${changeId} ${change.status.toLowerCase()}: ${change.failure ?? ''}`);
    await sleep(500);
  }
}

opsProgram()
  .parseAsync()
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
