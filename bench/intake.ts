/**
 * `npm run bench:intake [-- --records N]` (a million by default, the scale of an agency's first load): bulk intake through the API on the local stack (embedded
 * Postgres, Temporal dev server, worker, API, all started here), against the bare baseline of a
 * COPY of the same rows into a scratch table with a primary key and a unique (sharer, reference)
 * index, measured in the same run before and after the intake. Prints records/s of both, their ratio, and the CPU each part
 * (this process with its chunk-storing threads, Postgres, Temporal) used until the batch finished.
 * Where this process's CPU goes: run it as `node --cpu-prof --cpu-prof-dir=<folder> --import tsx
 * bench/intake.ts`, then `npx tsx bench/profile-summary.ts <folder>`.
 */
import { request as httpRequest } from 'node:http';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { copyText, CopyRows } from '../src/db/copy';
import { shanghaiDayOf } from '../src/domain/working-days';
import { benchRecord } from './records';
import { benchStack, cpuSeconds, processTree, report } from './support';

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' } } });
const RECORDS = Number(values.records);
/** Five records a person, spread over the whole batch. */
const PERSONS = Math.max(1, Math.floor(RECORDS / 5));

/**
 * The request body and the baseline's COPY text of the same records, written row by row into two
 * buffers: each generated record dies young, so the platform under test (in this process) never
 * has to collect a million of them from its old generation.
 */
function inputs(today: string): { ndjson: Buffer; copyRows: Buffer } {
  const ndjson = new CopyRows(RECORDS * 260);
  const copyRows = new CopyRows(RECORDS * 260);
  for (let i = 0; i < RECORDS; i++) {
    const row = benchRecord(i, today, PERSONS);
    ndjson.add(`${i > 0 ? '\n' : ''}${JSON.stringify(row)}`);
    copyRows.add(
      `${['bench-agency', row.reference, row.identityNumber, row.category, row.typeCode, row.formedOn, JSON.stringify(row.details), JSON.stringify(row.evidence)]
        .map(copyText)
        .join('\t')}\n`,
    );
  }
  return { ndjson: ndjson.bytes(), copyRows: copyRows.bytes() };
}

/**
 * A plain HTTP POST of a buffer: the client shares this process with the platform, and fetch's
 * web streams would copy a quarter of a gigabyte on the platform's event loop first.
 */
function post(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function main(): Promise<void> {
  const { stack, sign, close } = await benchStack('intake');
  try {
    const admin = await sign({ role: 'admin' });
    await fetch(`${stack.apiUrl}/admin/agencies/bench-agency`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Benchmark agency', kind: 'agency' }),
    });
    const agency = await sign({ role: 'agency', agency: 'bench-agency' });

    const { ndjson, copyRows } = inputs(shanghaiDayOf(new Date()));
    process.stdout.write(`Generated ${RECORDS.toLocaleString('en')} records for ${PERSONS.toLocaleString('en')} persons (${(ndjson.length / 1e6).toFixed(1)} MB NDJSON)\n`);

    // Baseline: the bare COPY of the same rows into a table with a primary key and a unique
    // (sharer, reference) index, once before the intake and once after: this machine's speed
    // drifts by a fifth between runs, so the intake is held against the mean of both. A
    // checkpoint before each measure writes out what the one before left in shared buffers, so
    // neither pays for the other's pages.
    const baseline = async (table: string): Promise<number> => {
      await stack.pool.query(`CREATE TABLE ${table} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, sharer_id text NOT NULL, reference text NOT NULL, identity_number text NOT NULL,
        category text NOT NULL, type_code text NOT NULL, formed_on date NOT NULL, details jsonb NOT NULL, evidence jsonb NOT NULL,
        UNIQUE (sharer_id, reference))`);
      await stack.pool.query('CHECKPOINT');
      const client = await stack.pool.connect();
      const started = performance.now();
      await pipeline(
        Readable.from([copyRows]),
        client.query(copyFrom(`COPY ${table} (sharer_id, reference, identity_number, category, type_code, formed_on, details, evidence) FROM STDIN`)),
      );
      client.release();
      return (performance.now() - started) / 1000;
    };
    const baselineBefore = await baseline('bench_copy_before');
    await stack.pool.query('CHECKPOINT');

    /** CPU seconds so far of each part: this process (the API, the worker and its chunk-storing threads, and the load), Postgres and Temporal. */
    const cpu = () => {
      const tree = processTree(process.pid);
      const sum = (command: string) => tree.filter((p) => p.command === command).reduce((total, p) => total + cpuSeconds(p.pid), 0);
      return { platform: cpuSeconds(process.pid), postgres: sum('postgres'), temporal: sum('temporal') };
    };
    // Through the API: the HTTP request, staging, the batch workflow and its activities, until the batch is finished.
    const cpuBefore = cpu();
    const start = performance.now();
    const response = await post(`${stack.apiUrl}/records/bulk`, { authorization: `Bearer ${agency}`, 'content-type': 'application/x-ndjson' }, ndjson);
    if (response.status !== 202) throw new Error(`bulk intake answered ${response.status}: ${response.body}`);
    const { batchId } = JSON.parse(response.body) as { batchId: string };
    const stagedSeconds = (performance.now() - start) / 1000;
    // Finished: every row stored or refused and its result readable. Persons answered: each
    // notified and rescored once, which follows the intake and is reported apart. The batch's row
    // is read straight from Postgres: polling through the API would load the system it measures.
    let apiSeconds: number | undefined;
    let cpuFinished = cpuBefore;
    for (;;) {
      const { rows } = await stack.pool.query<{ finished: boolean; answered: boolean }>(
        'SELECT finished_at IS NOT NULL AS finished, persons_answered_at IS NOT NULL AS answered FROM intake_batches WHERE id = $1',
        [batchId],
      );
      if (rows[0]!.finished && apiSeconds === undefined) {
        apiSeconds = (performance.now() - start) / 1000;
        cpuFinished = cpu();
      }
      if (rows[0]!.answered) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const answeredSeconds = (performance.now() - start) / 1000;
    const baselineAfter = await baseline('bench_copy_after');
    const baselineSeconds = (baselineBefore + baselineAfter) / 2;
    const answer = await fetch(`${stack.apiUrl}/records/batches/${batchId}?limit=1`, { headers: { authorization: `Bearer ${agency}` } });
    const batch = (await answer.json()) as { accepted: number; refused: number; duplicates: number };
    if (batch.accepted !== RECORDS) throw new Error(`expected ${RECORDS} accepted, got ${JSON.stringify(batch)}`);

    const baselineRate = RECORDS / baselineSeconds;
    const apiRate = RECORDS / apiSeconds!;
    const ratio = baselineRate / apiRate;
    report(
      'bare COPY baseline',
      `${Math.round(baselineRate).toLocaleString('en')} rows/s (${baselineSeconds.toFixed(2)} s: ${baselineBefore.toFixed(2)} s before the intake, ${baselineAfter.toFixed(2)} s after)`,
    );
    report('bulk intake through the API', `${Math.round(apiRate).toLocaleString('en')} records/s (${apiSeconds!.toFixed(2)} s)`);
    report('  of which request + staging (202)', `${stagedSeconds.toFixed(2)} s`);
    report('  of which batch workflow checking + storing', `${(apiSeconds! - stagedSeconds).toFixed(2)} s`);
    report(
      '  CPU until finished',
      (Object.keys(cpuBefore) as (keyof typeof cpuBefore)[]).map((part) => `${part} ${(cpuFinished[part] - cpuBefore[part]).toFixed(1)} s`).join(', ') + ` (of ${(availableParallelism() * apiSeconds!).toFixed(1)} s on ${availableParallelism()} cores)`,
    );
    report('ratio (baseline / API)', `${ratio.toFixed(2)}x   target: within 2x, and at least 5,000 records/s`);
    report('verdict', ratio <= 2 && apiRate >= 5000 ? 'MET' : 'NOT MET');
    report(`then ${PERSONS.toLocaleString('en')} persons notified + rescored`, `${(answeredSeconds - apiSeconds!).toFixed(2)} s more`);
  } finally {
    await close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
