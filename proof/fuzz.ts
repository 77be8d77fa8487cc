/**
 * `npm run proof:fuzz [-- --examples N]` (issue 15, item 2): API fuzzing at volume on the local
 * stack started here, N examples per operation and phase (2 by default: about 33,000 requests). Schemathesis sends only requests the OpenAPI document calls invalid (wrong
 * types, missing and unknown fields, out-of-range values, hostile strings) to every operation:
 * once with a token of every role (so most operations also meet a wrong role), and once each with
 * an expired, a wrong-audience, a wrongly signed and a malformed token. Afterwards it prints the
 * requests per operation and per status, and checks three things:
 * - no 5xx;
 * - every 4xx carries the machine-readable error `{error: {code, message}}`;
 * - refused requests wrote nothing: every table's row count and the number of workflows are as
 *   before, but for what the few requests the API accepted wrote (listed, at most one row each).
 *   The register (query_log) is the exception by design: refused reads are registered (Art. 22).
 * Then a hostile pass (issue 25): valid and invalid requests alike, every string of them possibly
 * hostile text (lone surrogates, NUL, noncharacters, bidi overrides, 100,000 characters, CJK
 * Extension B; test/support/fuzz_hostile.py), with a valid token of each role that reaches the
 * workflows, a person's included; afterwards no 5xx, no workflow failed but by refusing its
 * caller's request, none stuck (workflow tasks failing, steps retrying), and every open task
 * decidable by its party.
 * Exits non-zero on any violation.
 */
import { generateKeyPair, importJWK, SignJWT } from 'jose';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { failureOf } from '../src/api/supervision/troubles';
import { fuzzApi, undecidableTasks } from '../test/support/fuzzer';
import { identityNumber } from '../test/support/identities';
import { ensureDevSecrets } from '../src/workers/dev-secrets';
import { benchStack, report } from '../bench/support';

const { values } = parseArgs({ options: { examples: { type: 'string', default: '2' }, seed: { type: 'string', default: '20261202' } } });

interface HarEntry {
  request: { method: string; url: string };
  response: { status: number; content?: { text?: string } };
}

const { stack, config, dataDir, sign, close } = await benchStack('fuzz');
let violations = 0;
try {
  const { pool, client } = stack;
  const admin = await sign({ role: 'admin' });
  const put = (path: string, body: unknown) =>
    fetch(`${stack.apiUrl}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await put('/admin/agencies/fuzz-agency', { name: 'Agency the fuzzer acts for', kind: 'agency' });
  await put('/admin/agencies/fuzz-bank', { name: 'Requester the fuzzer acts for', kind: 'requester' });
  await fetch(`${stack.apiUrl}/purposes/lending/requesters/fuzz-bank`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await sign({ role: 'ndrc' })}`, 'content-type': 'application/json' },
    body: JSON.stringify({ registered: true }),
  });

  const roleTokens: Record<string, string> = {
    admin,
    agency: await sign({ role: 'agency', agency: 'fuzz-agency' }),
    provider: await sign({ role: 'provider', agency: 'fuzz-agency' }),
    'civic-db': await sign({ role: 'civic-db', agency: 'fuzz-agency' }),
    requester: await sign({ role: 'requester', agency: 'fuzz-bank' }),
    ndrc: await sign({ role: 'ndrc' }),
    institution: await sign({ role: 'institution' }),
    supervisor: await sign({ role: 'supervisor' }),
    person: await sign({ role: 'person', person: '00000000-0000-4000-8000-000000000042', acr: 'real-name' }),
  };
  const stranger = (await generateKeyPair('ES256')).privateKey;
  const platformKey = await importJWK((await ensureDevSecrets(dataDir)).secrets.authPrivateJwk, 'ES256');
  const badTokens: Record<string, string> = {
    'expired token': await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'ES256' }).setSubject('x').setIssuer(config.AUTH_ISSUER).setAudience(config.AUTH_AUDIENCE).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(platformKey),
    'wrong-audience token': await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'ES256' }).setSubject('x').setIssuer(config.AUTH_ISSUER).setAudience('another-platform').setExpirationTime('1h').sign(platformKey),
    'token signed by a stranger': await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'ES256' }).setSubject('x').setIssuer(config.AUTH_ISSUER).setAudience(config.AUTH_AUDIENCE).setExpirationTime('1h').sign(stranger),
    'malformed token': 'not.a.jwt',
  };

  /** Every table's exact row count, but the register, which refused reads must write (Art. 22). */
  const counts = async () => {
    const tables = (
      await pool.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relispartition AND c.relname <> 'query_log' ORDER BY 1`,
      )
    ).rows.map((row) => row.name);
    const result = new Map<string, number>();
    for (const table of tables) result.set(table, (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0]!.n);
    result.set('(workflows)', (await client.workflow.count()).count);
    return result;
  };
  const before = await counts();

  const folder = mkdtempSync(join(tmpdir(), 'proof-fuzz-'));
  const documentFile = join(folder, 'openapi.json');
  writeFileSync(documentFile, await (await fetch(`${stack.apiUrl}/docs/json`)).text());
  const entries: HarEntry[] = [];
  for (const [name, token] of [...Object.entries(roleTokens), ...Object.entries(badTokens)]) {
    const harFile = join(folder, `${name.replaceAll(' ', '-')}.har`);
    const started = performance.now();
    const run = await fuzzApi({ apiUrl: stack.apiUrl, token, maxExamples: Number(values.examples), seed: Number(values.seed), mode: 'negative', harFile, documentFile });
    const sent = (JSON.parse(readFileSync(harFile, 'utf8')) as { log: { entries: HarEntry[] } }).log.entries;
    entries.push(...sent);
    report(name, `${sent.length} requests in ${((performance.now() - started) / 1000).toFixed(0)} s, schemathesis ${run.exitCode === 0 ? 'passed' : `FAILED (exit ${run.exitCode})`}`);
    if (run.exitCode !== 0) {
      violations += 1;
      process.stdout.write(run.output.slice(-3000));
    }
  }
  const after = await counts();

  // Requests per operation: the concrete path matched to the document's templates.
  const document = (await (await fetch(`${stack.apiUrl}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const templates = Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => ({ operation: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`) })),
  );
  const perOperation = new Map<string, { requests: number; statuses: Map<number, number> }>();
  let serverErrors = 0;
  let unreadable4xx = 0;
  for (const entry of entries) {
    const url = new URL(entry.request.url);
    const operation = templates.find((t) => t.method === entry.request.method && t.pattern.test(decodeURIComponent(url.pathname)))?.operation ?? `${entry.request.method} (no operation)`;
    const tally = perOperation.get(operation) ?? { requests: 0, statuses: new Map() };
    tally.requests += 1;
    tally.statuses.set(entry.response.status, (tally.statuses.get(entry.response.status) ?? 0) + 1);
    perOperation.set(operation, tally);
    if (entry.response.status >= 500) serverErrors += 1;
    if (entry.response.status >= 400 && entry.response.status < 500) {
      try {
        const body = JSON.parse(entry.response.content?.text ?? '') as { error?: { code?: unknown; message?: unknown } };
        if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') unreadable4xx += 1;
      } catch {
        unreadable4xx += 1;
      }
    }
  }
  process.stdout.write('\nrequests per operation (statuses)\n');
  for (const [operation, tally] of [...perOperation].sort(([a], [b]) => a.localeCompare(b))) {
    report(`  ${operation}`, `${String(tally.requests).padStart(5)}  ${[...tally.statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ')}`);
  }
  const successes = entries.filter((entry) => entry.response.status < 400);
  // A request the document calls invalid may still be one the API accepts (a path parameter the
  // generator could not make invalid): what it wrote is its own, listed for the reader.
  const acceptedWrites = successes.filter((entry) => !['GET', 'HEAD', 'OPTIONS'].includes(entry.request.method));
  const changed = [...after].filter(([table, n]) => before.get(table) !== n).map(([table, n]) => `${table} ${before.get(table) ?? 0}→${n}`);
  process.stdout.write('\n');
  report('requests sent', `${entries.length} to ${perOperation.size} operations (of ${templates.length} documented)`);
  report('5xx answers', String(serverErrors));
  report('4xx without {error: {code, message}}', String(unreadable4xx));
  report('answers below 400 (not refused)', `${successes.length}, of which writes: ${acceptedWrites.length}${acceptedWrites.map((entry) => `\n    ${entry.response.status} ${entry.request.method} ${new URL(entry.request.url).pathname}`).join('')}`);
  report('tables or workflows changed', changed.length === 0 ? '0 (query_log aside, by design)' : changed.join(', '));
  // Refused requests wrote nothing: every change must come from an accepted write, at most one row and one workflow each.
  const unexplained = changed.length > 0 && [...after].some(([table, n]) => n - (before.get(table) ?? 0) > acceptedWrites.length);
  if (serverErrors > 0 || unreadable4xx > 0 || unexplained) violations += 1;

  // The hostile pass: a person who signed the agreement, so that the fuzzer reaches past its check.
  const agency = roleTokens.agency!;
  const shared = (await (
    await fetch(`${stack.apiUrl}/records`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agency}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reference: 'FUZZ-HUKOU', identityNumber: identityNumber('1980-08-08', 808), category: 'identity', typeCode: 'household-registration', formedOn: new Date().toISOString().slice(0, 10) }),
    })
  ).json()) as { recordId: string };
  const personId = (await pool.query<{ person_id: string }>('SELECT person_id FROM records WHERE id = $1', [shared.recordId])).rows[0]!.person_id;
  const person = await sign({ role: 'person', person: personId, acr: 'real-name' });
  const text = (await (await fetch(`${stack.apiUrl}/agreement-text`)).json()) as { version: string };
  await fetch(`${stack.apiUrl}/me/agreement`, { method: 'POST', headers: { authorization: `Bearer ${person}`, 'content-type': 'application/json' }, body: JSON.stringify({ textVersion: text.version, channel: 'app' }) });
  const hostileTokens = { ...roleTokens, person };
  const hostileEntries: HarEntry[] = [];
  process.stdout.write('\nhostile text, valid tokens\n');
  for (const [name, token] of Object.entries(hostileTokens)) {
    const harFile = join(folder, `hostile-${name}.har`);
    const started = performance.now();
    const run = await fuzzApi({ apiUrl: stack.apiUrl, token, maxExamples: Number(values.examples) * 5, seed: Number(values.seed), harFile, documentFile, hostile: true });
    const sent = (JSON.parse(readFileSync(harFile, 'utf8')) as { log: { entries: HarEntry[] } }).log.entries;
    hostileEntries.push(...sent);
    report(`  ${name}`, `${sent.length} requests in ${((performance.now() - started) / 1000).toFixed(0)} s, schemathesis ${run.exitCode === 0 ? 'passed' : `FAILED (exit ${run.exitCode})`}`);
    if (run.exitCode !== 0) {
      violations += 1;
      process.stdout.write(run.output.slice(-3000));
    }
  }
  // Let the processes the hostile requests started reach their waiting points.
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  const hostileOperations = new Set(hostileEntries.map((entry) => `${entry.request.method} ${templates.find((t) => t.method === entry.request.method && t.pattern.test(decodeURIComponent(new URL(entry.request.url).pathname)))?.operation ?? '?'}`));
  const hostile5xx = hostileEntries.filter((entry) => entry.response.status >= 500).length;
  let failedForGood = 0;
  let refusedRequests = 0;
  for await (const failed of client.workflow.list({ query: 'ExecutionStatus = "Failed"' })) {
    if ((await failureOf(client, failed.workflowId, failed.runId)).refusal) refusedRequests += 1;
    else failedForGood += 1;
  }
  const failingTasks = (await client.workflow.count('ExecutionStatus = "Running" AND TemporalReportedProblems IS NOT NULL')).count;
  const retrying = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM activity_retries')).rows[0]!.n;
  const undecidable = (await undecidableTasks(pool, client)).length;
  const openTasks = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM tasks WHERE state IN ('open', 'claimed')`)).rows[0]!.n;
  report('hostile requests sent', `${hostileEntries.length} to ${hostileOperations.size} operations`);
  report('  5xx answers', String(hostile5xx));
  report('  workflows failed for good (not a refusal of their request)', `${failedForGood} (refusals answered 4xx: ${refusedRequests})`);
  report('  workflows whose tasks keep failing', String(failingTasks));
  report('  steps retrying from their fourth attempt', String(retrying));
  report('  open tasks not decidable by their party', `${undecidable} of ${openTasks}`);
  if (hostile5xx + failedForGood + failingTasks + retrying + undecidable > 0) violations += 1;
} finally {
  await close();
}
process.exit(violations === 0 ? 0 : 1);
