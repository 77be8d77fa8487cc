/**
 * `npm run bench:ops-import [-- --records N]` (100,000 by default): the operations CLI importing a
 * file of records through the API, as an operator runs it on a bad day, on the local stack started
 * here. The CLI runs as its own process with its live progress bar on this terminal; one record in
 * a hundred is refused (a wrong check character) and one in a hundred repeats the line before it
 * (a duplicate). Prints the time, records/s, and whether the CLI's summary and refused-rows file
 * say exactly that.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { shanghaiDayOf } from '../src/domain/working-days';
import { benchRecord } from './records';
import { benchStack, report } from './support';

const { values } = parseArgs({ options: { records: { type: 'string', default: '100000' } } });
const RECORDS = Number(values.records);

const { stack, dataDir, sign, close } = await benchStack('ops-import');
try {
  const today = shanghaiDayOf(new Date());
  await stack.client.connection.ensureConnected();
  const admin = await sign({ role: 'admin' });
  await fetch(`${stack.apiUrl}/admin/agencies/bench-agency`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Benchmark agency', kind: 'agency' }),
  });
  const lines: string[] = [];
  let refused = 0;
  let duplicates = 0;
  for (let i = 0; i < RECORDS; i++) {
    const row = benchRecord(i, today, Math.max(1, Math.floor(RECORDS / 5)));
    if (i % 100 === 37) {
      row.identityNumber = `${row.identityNumber.slice(0, 17)}${row.identityNumber.endsWith('0') ? '1' : '0'}`;
      refused += 1;
    }
    if (i % 100 === 71) {
      // The line before, sent again: a duplicate, not a new record.
      lines.push(lines[i - 1]!);
      duplicates += 1;
      continue;
    }
    lines.push(JSON.stringify(row));
  }
  const file = join(dataDir, 'records.ndjson');
  const refusedFile = join(dataDir, 'refused.ndjson');
  writeFileSync(file, lines.join('\n'));
  const token = await sign({ role: 'agency', agency: 'bench-agency' });

  const started = performance.now();
  const output = await new Promise<string>((resolve, reject) => {
    const cli = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ops.ts', 'import', file, '--refused', refusedFile], {
      env: { ...process.env, INTEGRITY_API: stack.apiUrl, INTEGRITY_TOKEN: token },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let seen = '';
    cli.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      process.stdout.write(chunk);
    });
    cli.once('exit', (code) => (code === 0 ? resolve(seen) : reject(new Error(`the CLI exited with ${code}`))));
  });
  const seconds = (performance.now() - started) / 1000;
  const refusedRows = readFileSync(refusedFile, 'utf8').trim().split('\n').filter(Boolean);
  const expected = `${RECORDS} rows, ${RECORDS - refused - duplicates} accepted, ${refused} refused, ${duplicates} duplicate`;
  process.stdout.write('\n');
  report('records imported by the CLI', `${RECORDS.toLocaleString('en')} in ${seconds.toFixed(1)} s (${Math.round(RECORDS / seconds).toLocaleString('en')} records/s)`);
  report('summary expected', expected);
  report('summary printed', output.includes(expected) ? 'the same' : `DIFFERENT:\n${output.slice(-400)}`);
  report('refused-rows file', `${refusedRows.length} rows${refusedRows.length === refused ? ', as expected' : `, expected ${refused}`}`);
} finally {
  await close();
}
