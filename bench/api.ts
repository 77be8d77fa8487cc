/**
 * `npm run bench:api [-- --persons N --seconds S --rate R --rounds K]`: the hottest read paths on
 * the local stack (embedded Postgres, Temporal dev server, worker and API, all started here), with
 * the query register on: a person reading their score (`GET /me/score`), a bank's third-party
 * query (`GET /authorized-scores/{id}`) and an agency's incentive check
 * (`POST /incentives/{id}/eligibility`), against a bare Fastify endpoint doing one indexed
 * single-row read of the same database, measured in the same run, and beside the same read with a
 * row inserted and committed in its statement: the least a read that leaves a durable trace costs
 * on this machine's disk, as every registered read waits for its register row's commit.
 * The API (`npm run api`) and the bare endpoints each run as their own process, as deployed, and so
 * does the worker; Postgres, Temporal and the load generator share this one. For each: the most it
 * serves (requests/s, p50, p99; autocannon, 32 connections each sending its next request as soon
 * as its last is answered) and, at a fixed rate of requests sent evenly whether or not the earlier
 * ones are answered (`./fixed-rate.ts`), p50 and p99; the CPU time a request cost each part (API,
 * worker, Temporal server, Postgres, load generator), the share of the host's CPU stolen and the
 * disk's longest flush meanwhile; the ratio of throughput to the bare endpoint's, measured right
 * before each read (the host's speed drifts between measures), then K rounds of such pairs and
 * each read's median ratio and p99; the API process's memory at the start and the end; and that
 * every request of the run left its register row.
 * A record share (`POST /records`, an agency, on time with no obligation announced) is measured the
 * same way, with 16 connections, without the register check (it writes a record, not a read), then
 * at fixed rates of 50 and 100/s with the CPU it cost each part until its rescoring was answered and
 * the workflow history events written per share, and checked stored once. `--mixed-minutes M` then runs every API endpoint at once for M
 * minutes, each read at a quarter of RATE and the record share with its 4 connections, triggering
 * the nightly rescoring each minute, and prints each endpoint's throughput, p50 and p99 and, each
 * minute, the memory of the API, the worker and this process; `--worker-cache N` bounds the
 * worker's workflow cache (WORKER_CACHED_WORKFLOWS), `--worker-heap MB` its V8 heap
 * (`--max-old-space-size`).
 * `BENCH_CPU_PROFILE=<folder>` writes the API process's CPU profile there.
 */
import autocannon from 'autocannon';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { IdentityProtection } from '../src/db/persons';
import { activeModels, scorePersons } from '../src/db/scores';
import { checkCharacter, parseIdentityNumber } from '../src/domain/identity-number';
import { shanghaiDayOf } from '../src/domain/working-days';
import { freePort } from '../test/support/ports';
import { nightlyRescoringScheduleId, nightlyRescoringWorkflowType, rescoreRequestsWorkflowId } from '../src/workflows/scoring/contract';
import { atFixedRate, type BenchRequest } from './fixed-rate';
import { benchStack, cpuSeconds, hostCpu, processTree, report, residentMemory, startProcess, stolenShare, watchDiskFlushes } from './support';

const { values } = parseArgs({
  options: {
    persons: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
    'mixed-minutes': { type: 'string', default: '0' },
    'worker-cache': { type: 'string' },
    'worker-heap': { type: 'string' },
  },
});
const PERSONS = Number(values.persons);
/** Minutes of the sustained run: every API endpoint at once, RATE in all, with the nightly rescoring triggered each minute (issue 15). */
const MIXED_MINUTES = Number(values['mixed-minutes']);
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
/** Times each read's most served is measured, each right after the bare endpoint's: the host's speed drifts between measures. */
const ROUNDS = Math.max(1, Number(values.rounds));
/** Persons the load rotates over (a token each). */
const CALLERS = 200;
const WARM_UP_SECONDS = 3;
const CONNECTIONS = 32;
/** The fixed rates a record share is measured at (issue 27: p99 under 300 ms at 50/s, at least 100/s sustained). */
const SHARE_RATES = [50, 100];

function identityOf(i: number): string {
  const birth = new Date(Date.UTC(1960, 0, 1) + (i % 15000) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  const first17 = `370102${birth}${String(i % 1000).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

// The worker runs as its own process (`npm run worker`), as deployed: in this process it would share an event loop with the load generator.
const { stack, config, dataDir, sign, close } = await benchStack('api', { worker: false });
try {
  const { pool } = stack;
  const identity = new IdentityProtection(config);
  const today = shanghaiDayOf(new Date());
  const seeding = performance.now();
  await pool.query(`INSERT INTO agencies (id, name, kind) VALUES ('bench-agency', 'Benchmark agency', 'agency'), ('bench-bank', 'Benchmark bank', 'requester')`);
  // Only a requester registered for a purpose queries under it (Art. 12, 15, 18).
  await pool.query(`INSERT INTO purpose_registrations (purpose, requester_id, registered_by, registered_at) VALUES ('lending', 'bench-bank', 'bench', now())`);
  // Persons as sharing would have stored them, each identity number hashed and sealed as the platform does.
  const numbers = Array.from({ length: PERSONS }, (_, i) => identityOf(i));
  const unique = [...new Map(numbers.map((n) => [identity.lookupKey(n), n])).values()];
  const references = unique.map((n) => {
    const parsed = parseIdentityNumber(n);
    if (!parsed.ok) throw new Error(parsed.reason);
    return identity.sealedPerson(parsed.identity);
  });
  await pool.query(
    `INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date, residency, civil_capacity)
     SELECT gen_random_uuid(), decode(h, 'hex'), decode(s, 'base64'), b::date, 'household', 'full' FROM unnest($1::text[], $2::text[], $3::text[]) AS t(h, s, b)`,
    [references.map((r) => r.key), references.map((r) => r.sealed), references.map((r) => r.birthDate)],
  );
  await pool.query(
    `INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late, status, version, details, evidence, changed_by)
     SELECT gen_random_uuid(), 'bench-agency', 'R-' || p.id || '-' || k, p.id, t.category, t.code, 'public-agency', $1::date - (k * 40), now(), false, 'active', 1,
            jsonb_build_object('hours', 25, 'procedure', 'general'), '[]', 'bench'
     FROM persons p, generate_series(0, 4) AS k
     JOIN LATERAL (SELECT code, category FROM record_types WHERE code = (ARRAY['volunteering', 'administrative-penalty', 'honour-municipal', 'civilised-practice', 'fee-refusal'])[k + 1]) t ON true`,
    [today],
  );
  await pool.query(`INSERT INTO agreements (id, person_id, text_version, channel, assurance, signed_by, signed_at) SELECT gen_random_uuid(), id, '2026-12', 'app', 'real-name', 'bench', now() FROM persons`);
  await pool.query(
    `INSERT INTO authorizations (id, person_id, requester_id, purpose, scenario, valid_until, granted_by, granted_at, state)
     SELECT gen_random_uuid(), id, 'bench-bank', 'lending', 'lending', now() + interval '1 day', 'bench', now(), 'active' FROM persons`,
  );
  await pool.query(
    `INSERT INTO incentives (id, version, owner_agency, status, definition, definition_id, defined_by)
     VALUES ('bench-deposit-free', 1, 'bench-agency', 'active', $1, gen_random_uuid(), 'bench')`,
    [
      JSON.stringify({
        name: 'Bench incentive',
        benefitKind: 'deposit-free',
        benefit: 'no deposit',
        conditions: [
          { kind: 'level-at-least', scenario: 'base', level: 'A' },
          { kind: 'no-record-of-tier', tier: 'serious', withinMonths: 12 },
        ],
        validFrom: '2026-01-01',
        validUntil: null,
      }),
    ],
  );
  // As after any bulk load: without statistics the planner takes the range of every person for a few and rescans the records' aggregate for each (two minutes for 2,000 persons).
  await pool.query('ANALYZE');
  await scorePersons(pool, { models: await activeModels(pool), onDay: today, computedBy: 'bench', computedAt: new Date().toISOString(), persons: { after: '00000000-0000-0000-0000-000000000000', upTo: 'ffffffff-ffff-ffff-ffff-ffffffffffff' } });
  await pool.query('ANALYZE');
  report('seeded', `${PERSONS.toLocaleString('en')} persons, 5 records, an agreement and an authorization each, in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

  const callers = (await pool.query<{ person_id: string; authorization_id: string; id_number_encrypted: Buffer }>(
    `SELECT p.id AS person_id, a.id AS authorization_id, p.id_number_encrypted FROM persons p JOIN authorizations a ON a.person_id = p.id ORDER BY random() LIMIT $1`,
    [CALLERS],
  )).rows;
  const personTokens = await Promise.all(callers.map((c) => sign({ role: 'person', person: c.person_id, acr: 'real-name' })));
  const bankToken = await sign({ role: 'requester', agency: 'bench-bank' });
  const agencyToken = await sign({ role: 'agency', agency: 'bench-agency' });
  const callerNumbers = callers.map((c) => identity.decrypt(c.id_number_encrypted));

  const databaseUrl = stack.pool.options.connectionString!;
  const apiPort = await freePort();
  const profile = process.env.BENCH_CPU_PROFILE;
  const api = await startProcess(
    'src/workers/api.ts',
    { DATA_DIR: dataDir, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: stack.temporalAddress, API_PORT: String(apiPort), LOG_LEVEL: 'warn' },
    'API listening',
    { nodeFlags: profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [] },
  );
  const worker = await startProcess(
    'src/workers/worker.ts',
    { DATA_DIR: dataDir, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: stack.temporalAddress, LOG_LEVEL: 'warn', ...(values['worker-cache'] ? { WORKER_CACHED_WORKFLOWS: values['worker-cache'] } : {}) },
    'Worker polling',
    { nodeFlags: values['worker-heap'] ? [`--max-old-space-size=${values['worker-heap']}`] : [] },
  );
  const barePort = await freePort();
  const bareEnvironment = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: stack.temporalAddress, BARE_TASK_QUEUE: 'bench-bare' };
  const bareWorker = await startProcess('bench/bare-worker.ts', bareEnvironment, 'Worker polling');
  const bare = await startProcess('bench/bare-server.ts', { ...bareEnvironment, BARE_PORT: String(barePort) }, 'listening');
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}`;

  let next = 0;
  const pick = () => (next = (next + 1) % callers.length);
  /** A request for each caller, taken in turn. */
  const perCaller = (build: (i: number) => BenchRequest) => {
    const rotation = callers.map((_, i) => build(i));
    return { rotation, request: () => rotation[pick()]! };
  };
  let shared = 0;
  const targets: {
    name: string;
    url: string;
    /** A baseline, not an API endpoint: the bare read that ratios are taken against, or the bare read with a row committed. */
    baseline?: 'read' | 'committed';
    reads?: false;
    /** For a request far slower than a read: the connections that find its most, and the fixed rate, below it. */
    load?: { connections: number; rate: number };
    /** The same requests over and over, built once: the load generator shares the cores, and building each request again cost it more than some reads cost the API. */
    rotation?: BenchRequest[];
    request: () => BenchRequest;
    path?: string;
  }[] = [
    { name: 'bare endpoint (one indexed read)', url: bareUrl, baseline: 'read', ...perCaller((i) => ({ method: 'GET', path: `/bare/${callers[i]!.person_id}`, headers: {} })) },
    {
      name: 'bare read with one row committed',
      url: bareUrl,
      baseline: 'committed',
      ...perCaller((i) => ({ method: 'GET', path: `/bare-committed/${callers[i]!.person_id}`, headers: {} })),
    },
    { name: 'GET /me/score', url: apiUrl, ...perCaller((i) => ({ method: 'GET', path: '/me/score', headers: { authorization: `Bearer ${personTokens[i]}` } })) },
    {
      name: 'GET /authorized-scores/{id} (bank)',
      url: apiUrl,
      ...perCaller((i) => ({ method: 'GET', path: `/authorized-scores/${callers[i]!.authorization_id}?purpose=lending&scenario=lending`, headers: { authorization: `Bearer ${bankToken}` } })),
    },
    {
      name: 'POST /incentives/{id}/eligibility',
      url: apiUrl,
      ...perCaller((i) => ({
        method: 'POST',
        path: '/incentives/bench-deposit-free/eligibility',
        headers: { authorization: `Bearer ${agencyToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ identityNumber: callerNumbers[i] }),
      })),
    },
    {
      name: 'bare workflow (update-with-start, one local activity inserting a row)',
      url: bareUrl,
      reads: false,
      load: { connections: 16, rate: 20 },
      ...perCaller((i) => ({ method: 'POST', path: `/bare-workflow/${callers[i]!.person_id}`, headers: {} })),
    },
    {
      name: 'POST /records (an agency shares)',
      url: apiUrl,
      path: '/records',
      reads: false,
      // Measured again below at the issue's fixed rates (SHARE_RATES), with its history events.
      load: { connections: 16, rate: SHARE_RATES[0]! },
      request: () => ({
        method: 'POST',
        path: '/records',
        headers: { authorization: `Bearer ${agencyToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          reference: `LOAD-${(shared += 1)}`,
          identityNumber: callerNumbers[pick()],
          category: 'social-contribution',
          typeCode: 'volunteering',
          formedOn: today,
          details: { hours: 2 },
          evidence: [{ kind: 'decision', ref: `volunteering hours LOAD-${shared}` }],
        }),
      }),
    },
  ];

  /** The most an endpoint serves: `connections` each sending its next request as soon as its last is answered. */
  const run = (target: (typeof targets)[number], seconds = SECONDS, connections = CONNECTIONS) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      autocannon(
        {
          url: target.url,
          connections,
          duration: seconds,
          requests: target.rotation ?? [{ setupRequest: (req) => ({ ...req, ...target.request() }) }],
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });

  const registered = async () => (await pool.query<{ n: string }>('SELECT count(*) AS n FROM query_log')).rows[0]!.n;
  /** The register's count once the reads still in flight when a run stopped have landed. */
  const settled = async () => {
    for (let last = -1; ; await new Promise((resolve) => setTimeout(resolve, 300))) {
      const now = Number(await registered());
      if (now === last) return now;
      last = now;
    }
  };
  const memoryAtStart = residentMemory(api.pid);
  /** CPU seconds so far of each part: where a request's time goes on this machine's cores. */
  const cpu = () => {
    const tree = processTree(process.pid);
    const sum = (command: string) => tree.filter((p) => p.command === command).reduce((total, p) => total + cpuSeconds(p.pid), 0);
    const { user, system } = process.cpuUsage();
    return { api: cpuSeconds(api.pid), bare: cpuSeconds(bare.pid) + cpuSeconds(bareWorker.pid), worker: cpuSeconds(worker.pid), temporal: sum('temporal'), postgres: sum('postgres'), 'load generator': (user + system) / 1e6 };
  };
  const cpuPerRequest = (before: ReturnType<typeof cpu>, after: ReturnType<typeof cpu>, requests: number) =>
    requests === 0
      ? 'no request was answered'
      : Object.entries(after)
      .map(([part, seconds]) => `${part} ${(((seconds - before[part as keyof typeof before]) / requests) * 1000).toFixed(2)}`)
      .join(', ');
  process.stdout.write(`\n${SECONDS} s each, ${CONNECTIONS} connections, ${CALLERS} callers rotating; the API and the bare endpoint in their own processes, on this machine's ${availableParallelism()} cores\n`);
  report('endpoint', 'most served: req/s   p50    p99  | at ' + `${RATE}/s: p50    p99    errors | vs bare just before`);
  const [bareTarget, committedTarget] = targets;
  const shareTarget = targets.find((target) => target.path === '/records')!;
  let sharesAnswered = 0;

  /** Every workflow history event written since `since`: those of the workflows started since, and those the answering of rescoring requests added. */
  const historyEventsSince = async (since: Date, answeringBefore: number) => {
    let events = 0;
    for await (const workflow of stack.client.workflow.list({ query: `StartTime >= "${since.toISOString()}"` })) events += workflow.historyLength;
    return events + (await answeringHistory()) - answeringBefore;
  };
  const answeringHistory = async () => (await stack.client.workflow.getHandle(rescoreRequestsWorkflowId(config.TEMPORAL_TASK_QUEUE)).describe()).historyLength;
  const unanswered = async () => Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM rescore_requests WHERE answered_at IS NULL')).rows[0]!.n);

  /**
   * The record share at each of SHARE_RATES for SECONDS: p50 and p99, the CPU a share cost each
   * part until its rescoring request was answered, the workflow history events written per share,
   * then that every answered share was stored once.
   */
  async function measureSharesAtFixedRates() {
    process.stdout.write(`\nPOST /records at fixed rates, ${SECONDS} s each (CPU counted until every rescoring request is answered)\n`);
    for (const rate of SHARE_RATES) {
      const since = new Date();
      const answeringBefore = await answeringHistory();
      const cpuBefore = cpu();
      const result = await atFixedRate(apiUrl, shareTarget.request, rate, SECONDS);
      while ((await unanswered()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      const cpuAfter = cpu();
      sharesAnswered += result.answered;
      const shares = result.answered + result.errors;
      const events = await historyEventsSince(since, answeringBefore);
      report(`  at ${rate}/s`, `p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.answered} answered, ${result.errors} errors, ${(events / Math.max(1, shares)).toFixed(2)} history events per share`);
      process.stdout.write(`    CPU ms per share: ${cpuPerRequest(cpuBefore, cpuAfter, shares)}\n`);
    }
    const stored = (await pool.query<{ records: string; references: string }>("SELECT count(*) AS records, count(DISTINCT reference) AS references FROM records WHERE reference LIKE 'LOAD-%'")).rows[0]!;
    // A share in flight when autocannon's measure stopped is stored without being counted as answered.
    report('shares stored', `${stored.records} records under ${stored.references} references for ${sharesAnswered} answered shares (each stored once when records = references >= answered)`);
  }
  /** Each read's throughput over the bare endpoint's measured just before it, round by round. */
  const ratios = new Map<string, number[]>();
  /**
   * Each read's and the baselines' p99 at RATE, round by round (one stall of the host moves a p99
   * of 10 s), with the share of the host's CPU stolen meanwhile and the disk's longest flush.
   */
  const tails = new Map<string, { p99: number; stolen: number; longestFlush: number }[]>();
  const mostServed = async (target: (typeof targets)[number]) => (await run(target)).requests.average;
  /** At a fixed rate, once the register has caught up with the measure before (a server at RATE is not coming off its most). */
  const atRate = async (target: (typeof targets)[number]) => {
    await settled();
    const host = hostCpu();
    const disk = await watchDiskFlushes(dataDir);
    const result = await atFixedRate(target.url, target.request, target.load?.rate ?? RATE, SECONDS);
    return { ...result, stolen: stolenShare(host, hostCpu()), longestFlush: await disk.stop() };
  };
  // Not measured: each read's views loaded and its code optimised first, as the bare endpoint's one statement is from its first request.
  for (const target of targets.filter((t) => t.reads !== false)) await run(target, WARM_UP_SECONDS);
  let bareThroughput = 0;
  for (const target of targets) {
    const paired = !target.baseline && target.reads !== false;
    const bareJustBefore = paired ? await mostServed(bareTarget!) : bareThroughput;
    const before = await settled();
    const cpuBefore = cpu();
    const hostBefore = hostCpu();
    const most = await run(target, SECONDS, target.load?.connections);
    const fixed = await atRate(target);
    const after = await settled();
    const cpuAfter = cpu();
    const served = most.requests.average;
    if (target.baseline === 'read') bareThroughput = served;
    if (paired) ratios.set(target.name, [served / bareJustBefore]);
    if (target.reads !== false) tails.set(target.name, [{ p99: fixed.p99, stolen: fixed.stolen, longestFlush: fixed.longestFlush }]);
    const ok = most['2xx'] + fixed.answered;
    if (target === shareTarget) sharesAnswered += ok;
    const errors = most.non2xx + most.errors + fixed.errors;
    report(
      target.name,
      `${served.toFixed(0).padStart(6)} ${String(most.latency.p50).padStart(6)} ${String(most.latency.p99).padStart(6)} | ${String(fixed.p50).padStart(6)} ${String(fixed.p99).padStart(6)} ${String(errors).padStart(6)} | ${(served / (paired ? bareJustBefore : bareThroughput)).toFixed(2)}x`,
    );
    if (target.load) process.stdout.write(`  measured with ${target.load.connections} connections, the fixed rate at ${target.load.rate}/s\n`);
    process.stdout.write(
      `  CPU ms per request: ${cpuPerRequest(cpuBefore, cpuAfter, most.requests.total + fixed.answered + fixed.errors)}; the host stole ${stolenShare(hostBefore, hostCpu())}% of the CPU; the disk's longest flush at ${target.load?.rate ?? RATE}/s: ${fixed.longestFlush} ms\n`,
    );
    // Every answered read has its row; a read still in flight when a run stops has its row and no counted answer.
    if (!target.baseline && target.reads !== false && (after - before < ok || after - before > ok + 2 * CONNECTIONS)) {
      process.stdout.write(`  !! ${ok} answered, ${after - before} register rows\n`);
    }
  }
  await measureSharesAtFixedRates();
  if (ROUNDS > 1) {
    const reads = targets.filter((target) => !target.baseline && target.reads !== false);
    for (let round = 2; round <= ROUNDS; round++) {
      for (const baseline of [bareTarget!, committedTarget!]) tails.get(baseline.name)!.push(await atRate(baseline));
      for (const target of reads) {
        const bareNow = await mostServed(bareTarget!);
        ratios.get(target.name)!.push((await mostServed(target)) / bareNow);
        tails.get(target.name)!.push(await atRate(target));
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    process.stdout.write(`\neach read's most served over the bare endpoint's measured just before it, ${ROUNDS} rounds\n`);
    for (const target of reads) {
      const ratio = ratios.get(target.name)!;
      report(target.name, `median ${median(ratio).toFixed(2)}x  (${ratio.map((r) => r.toFixed(2)).join(', ')})`);
    }
    process.stdout.write(`\np99 at ${RATE}/s, ${ROUNDS} rounds (during each: the share of the host's CPU stolen, the disk's longest flush of a page)\n`);
    for (const target of [bareTarget!, committedTarget!, ...reads]) {
      const tail = tails.get(target.name)!;
      report(target.name, `median ${median(tail.map((t) => t.p99))} ms  (${tail.map((t) => `${t.p99} ms, ${t.stolen}%, ${t.longestFlush} ms`).join('; ')})`);
    }
  }
  if (MIXED_MINUTES > 0) {
    const institution = await sign({ role: 'institution' });
    const trigger = () => fetch(`${apiUrl}/rescoring/schedule/trigger`, { method: 'POST', headers: { authorization: `Bearer ${institution}` } });
    const apiTargets = targets.filter((target) => target.url === apiUrl);
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    process.stdout.write(
      `\nmixed, ${MIXED_MINUTES} min: each read at ${RATE / apiTargets.length}/s, the record share with its connections, the nightly rescoring triggered each minute\n`,
    );
    report('minute 0', `API ${mib(residentMemory(api.pid))}, worker ${mib(residentMemory(worker.pid))}, load generator ${mib(process.memoryUsage().rss)}`);
    // A share at a fixed rate above what the machine can serve would pile up without end: the share takes what its connections get answered, as in its own measure.
    const runs = apiTargets.map((target) =>
      target.load
        ? run(target, MIXED_MINUTES * 60, target.load.connections).then((result) => ({ answered: result['2xx'], errors: result.non2xx + result.errors, p50: result.latency.p50, p99: result.latency.p99 }))
        : atFixedRate(target.url, target.request, RATE / apiTargets.length, MIXED_MINUTES * 60),
    );
    for (let minute = 1; minute <= MIXED_MINUTES; minute++) {
      const host = hostCpu();
      const disk = await watchDiskFlushes(dataDir);
      await trigger();
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      report(
        `minute ${minute}`,
        `API ${mib(residentMemory(api.pid))}, worker ${mib(residentMemory(worker.pid))}, load generator ${mib(process.memoryUsage().rss)}; the host stole ${stolenShare(host, hostCpu())}% of the CPU; the disk's longest flush ${await disk.stop()} ms`,
      );
    }
    const results = await Promise.all(runs);
    apiTargets.forEach((target, i) => {
      const result = results[i]!;
      report(target.name, `${(result.answered / (MIXED_MINUTES * 60)).toFixed(0).padStart(6)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  errors ${result.errors}`);
    });
    // Each trigger starts the day's run again (`rescore-due/{day}`, one row in rescoring_runs) once the last has closed; the schedule skips a trigger while one is open.
    const finished = await stack.client.workflow.count(`WorkflowType = "${nightlyRescoringWorkflowType}" AND ExecutionStatus = "Completed"`);
    const schedule = await stack.client.schedule.getHandle(nightlyRescoringScheduleId(config.TEMPORAL_TASK_QUEUE)).describe();
    report('nightly rescoring runs finished', `${finished.count} of ${MIXED_MINUTES} triggered (skipped while one was open: ${schedule.info.numActionsSkippedOverlap})`);
  }
  report('register rows written', `${await registered()} (at least one per answered read: checked per endpoint)`);
  report('API memory (rss) at start, at end', `${(memoryAtStart / 2 ** 20).toFixed(0)} MiB, ${(residentMemory(api.pid) / 2 ** 20).toFixed(0)} MiB`);
  await Promise.all([api.stop(), bare.stop(), bareWorker.stop(), worker.stop()]);
} finally {
  await close();
}
