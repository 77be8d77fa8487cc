/**
 * `npm run bench:civic-feed [-- --events N --persons P --concurrency C]`: the civilised-behaviour
 * feed at the size of a city-wide campaign (100,000 events by default, for 20,000 persons in
 * scope), sent through `POST /civic-events` a thousand at a time on the local stack started here.
 * Prints the time until every request was answered and until every batch had ended (records kept,
 * repairs reached, persons rescored), events/s, the CPU per event of each process, and a bare
 * baseline measured in the same run: the same rows inserted a thousand at a time with one
 * statement each. Then checks that each event counted once: one civic event and one record per
 * event id, and a replayed request changing nothing.
 */
import { parseArgs } from 'node:util';
import { checkCharacter } from '../src/domain/identity-number';
import { shanghaiDayOf } from '../src/domain/working-days';
import { benchStack, cpuSeconds, processTree, report } from './support';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '100000' }, persons: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '4' } },
});
const EVENTS = Number(values.events);
const PERSONS = Number(values.persons);
const CONCURRENCY = Number(values.concurrency);
const PER_REQUEST = 1000;

/** A valid resident identity number for person i, born 1960-2000. */
function identityOf(i: number): string {
  const birth = new Date(Date.UTC(1960, 0, 1) + (i % 14000) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  const first17 = `370102${birth}${String(i % 1000).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

const { stack, sign, close } = await benchStack('civic-feed');
try {
  const { pool } = stack;
  const today = shanghaiDayOf(new Date());
  await pool.query(`INSERT INTO agencies (id, name, kind) VALUES ('bench-civic', 'Benchmark civilisation office', 'agency')`);
  const token = await sign({ role: 'civic-db', agency: 'bench-civic' });
  const requests = Array.from({ length: Math.ceil(EVENTS / PER_REQUEST) }, (_, r) => ({
    events: Array.from({ length: Math.min(PER_REQUEST, EVENTS - r * PER_REQUEST) }, (_, j) => {
      const n = r * PER_REQUEST + j;
      return { eventId: `CAMPAIGN-${n}`, identityNumber: identityOf(n % PERSONS), kind: 'volunteering', amount: 2, occurredOn: today };
    }),
  }));
  const send = async (body: unknown): Promise<{ accepted: string[]; duplicates: string[]; workflowId: string | null }> => {
    const response = await fetch(`${stack.apiUrl}/civic-events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 202) throw new Error(`POST /civic-events: ${response.status} ${await response.text()}`);
    return (await response.json()) as { accepted: string[]; duplicates: string[]; workflowId: string | null };
  };

  // The bare baseline: the same number of rows, a thousand per statement, into a scratch table.
  await pool.query('CREATE TABLE bench_events (event_id text PRIMARY KEY, person_no int NOT NULL, amount numeric NOT NULL, occurred_on date NOT NULL)');
  const bareStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let r = next++; r < requests.length; r = next++) {
        const events = requests[r]!.events;
        await pool.query(
          'INSERT INTO bench_events SELECT * FROM unnest($1::text[], $2::int[], $3::numeric[], $4::date[]) ON CONFLICT DO NOTHING',
          [events.map((e) => e.eventId), events.map((_, j) => (r * PER_REQUEST + j) % PERSONS), events.map((e) => e.amount), events.map((e) => e.occurredOn)],
        );
      }
    }),
  );
  const bare = (performance.now() - bareStarted) / 1000;

  const servers = () => processTree(process.pid).filter((p) => p.pid !== process.pid);
  const cpuOf = () => ({ platform: process.cpuUsage(), children: new Map(servers().map((p) => [p.command, cpuSeconds(p.pid)])) });
  const before = cpuOf();
  const started = performance.now();
  const workflowIds: string[] = [];
  let accepted = 0;
  next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let r = next++; r < requests.length; r = next++) {
        const answer = await send(requests[r]);
        accepted += answer.accepted.length;
        if (answer.workflowId) workflowIds.push(answer.workflowId);
      }
    }),
  );
  const answered = (performance.now() - started) / 1000;
  await Promise.all(workflowIds.map((id) => stack.client.workflow.getHandle(id).result()));
  const ended = (performance.now() - started) / 1000;
  const after = cpuOf();

  report('events', `${EVENTS.toLocaleString('en')} for ${PERSONS.toLocaleString('en')} persons, ${requests.length} requests of up to ${PER_REQUEST}, ${CONCURRENCY} at a time`);
  report('bare baseline', `${bare.toFixed(1)} s (${Math.round(EVENTS / bare).toLocaleString('en')} rows/s, one INSERT per thousand)`);
  report('all answered (202)', `${answered.toFixed(1)} s (${Math.round(EVENTS / answered).toLocaleString('en')} events/s)`);
  report('all batches ended', `${ended.toFixed(1)} s (${Math.round(EVENTS / ended).toLocaleString('en')} events/s; ${(ended / bare).toFixed(1)}x the bare baseline)`);
  const platformCpu = (after.platform.user - before.platform.user + after.platform.system - before.platform.system) / 1e6;
  report('CPU per event, API and worker', `${((platformCpu / EVENTS) * 1000).toFixed(3)} ms`);
  for (const [command, seconds] of after.children) {
    const spent = seconds - (before.children.get(command) ?? 0);
    if (spent > 0.1) report(`CPU per event, ${command}`, `${((spent / EVENTS) * 1000).toFixed(3)} ms`);
  }

  const counted = await pool.query<{ events: number; distinct_events: number; records: number }>(
    `SELECT (SELECT count(*) FROM civic_events WHERE fed_by = 'bench-civic')::int AS events,
            (SELECT count(DISTINCT event_id) FROM civic_events WHERE fed_by = 'bench-civic')::int AS distinct_events,
            (SELECT count(*) FROM records WHERE sharer_id = 'bench-civic' AND reference LIKE 'CIVIC-CAMPAIGN-%')::int AS records`,
  );
  const replay = await send(requests[0]);
  const recount = await pool.query<{ records: number }>(`SELECT count(*)::int AS records FROM records WHERE sharer_id = 'bench-civic'`);
  const once = counted.rows[0]!;
  report(
    'each counted once',
    `${accepted.toLocaleString('en')} accepted, ${once.events.toLocaleString('en')} events kept (${once.distinct_events.toLocaleString('en')} ids), ${once.records.toLocaleString('en')} records; ` +
      `a replayed request: ${replay.accepted.length} accepted, ${replay.duplicates.length} duplicates, ${recount.rows[0]!.records - once.records} records added`,
  );
  if (accepted !== EVENTS || once.events !== EVENTS || once.records !== EVENTS || replay.accepted.length !== 0 || recount.rows[0]!.records !== once.records) {
    throw new Error('an event did not count exactly once');
  }
} finally {
  await close();
}
