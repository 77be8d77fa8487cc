import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, shanghaiDayOf } from '../../src/domain/working-days';
import { completeTaskUpdate } from '../../src/workflows/shared/contract';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';
import { residentInScope } from '../support/residents';

const HIGH = 'a\ud800b';
const LOW = 'a\udc00b';

describe('Bad input never strands a process: unstorable text refused where it enters, nothing written, every process decidable', () => {
  let platform: RunningPlatform;
  let admin: string;
  let market: string;
  let police: string;
  let ndrc: string;
  let person: string;
  let recordId: string;
  let resident: string;
  const today = shanghaiDayOf(new Date());

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);
  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    (await platform.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params)).rows[0]!.n;
  const penalty = (reference: string, details: Record<string, unknown> = {}) => ({
    reference,
    identityNumber: resident,
    category: 'administrative',
    typeCode: 'administrative-penalty',
    formedOn: today,
    details: { procedure: 'general', ...details },
  });
  const bulk = async (contentType: string, body: string) => {
    const response = await fetch(`${platform.url}/records/bulk`, { method: 'POST', headers: { authorization: `Bearer ${market}`, 'content-type': contentType }, body });
    return { status: response.status, body: (await response.json()) as JsonAnswer['body'] };
  };
  async function triageTask(workflowId: string): Promise<string> {
    let id: string | undefined;
    await expect
      .poll(async () => {
        id = (await platform.db.pool.query<{ id: string }>(`SELECT id FROM tasks WHERE workflow_id = $1 AND state = 'open'`, [workflowId])).rows[0]?.id;
        return id;
      }, { timeout: 15_000 })
      .toBeDefined();
    return id!;
  }

  beforeAll(async () => {
    platform = await startPlatform();
    admin = await platform.token('admin');
    ({ police, market } = await organisations(platform, { police: 'jinan-public-security', market: 'jinan-market-regulation', civilAffairs: 'jinan-civil-affairs' }));
    ndrc = await platform.token('ndrc', { subject: 'ndrc-reviewer-qian' });
    ({ identity: resident, token: person } = await residentInScope(platform, police, { birthDate: '1983-08-18', sequence: 831 }));
    recordId = (await call('POST', '/records', market, penalty('BAD-PENALTY'))).body.recordId;
  });
  afterAll(() => platform?.stop());

  it('refuses a lone surrogate, high or low, in a record, a declaration, an incentive, an agency, an objection and a path, naming the field, and writes nothing', async () => {
    const refusals: [string, string, string, unknown, string][] = [
      ['POST', '/records', market, penalty('BAD-HIGH', { note: HIGH }), 'body.details.note'],
      ['POST', '/records', market, penalty(`BAD-${LOW}`), 'body.reference'],
      ['POST', '/obligations', market, { reference: `OB-${HIGH}`, formedOn: today }, 'body.reference'],
      [
        'POST',
        '/declarations',
        person,
        {
          category: 'honours',
          typeCode: 'honour-provincial',
          formedOn: addDays(today, -30),
          details: { title: LOW },
          evidence: [{ kind: 'certificate', ref: 'certificate 1' }],
          authorizeVerification: true,
        },
        'body.details.title',
      ],
      [
        'PUT',
        '/incentives/bad-incentive',
        market,
        { name: HIGH, benefitKind: 'fast-track', benefit: 'x', conditions: [{ kind: 'level-at-least', scenario: 'base', level: 'A' }], validFrom: '2026-01-01', validUntil: null },
        'body.name',
      ],
      ['PUT', '/admin/agencies/bad-agency', admin, { name: LOW, kind: 'agency' }, 'body.name'],
      ['POST', '/objections', person, { target: 'record', recordId, reason: HIGH }, 'body.reason'],
      ['POST', '/records/BAD-PENALTY/correction', market, { typeCode: 'administrative-penalty', formedOn: today, details: { procedure: 'general' }, evidence: [], reason: LOW }, 'body.reason'],
    ];
    for (const [method, path, token, body, field] of refusals) {
      const answer = await call(method, path, token, body);
      expect({ path, status: answer.status, code: answer.body.error?.code, field: answer.body.error?.field }).toEqual({ path, status: 400, code: 'invalid-input', field });
      expect(answer.body.error.message).toMatch(/lone UTF-16 surrogate/);
    }
    // A path parameter whose percent-encoding is half a character cannot even be decoded.
    expect((await call('GET', '/records/BAD-%ED%A0%80', market)).body.error).toMatchObject({ code: 'invalid-input' });
    expect(await count('records', "reference LIKE 'BAD-%' AND reference <> 'BAD-PENALTY'")).toBe(0);
    expect(await count('records', "reference = 'BAD-PENALTY' AND version = 1")).toBe(1);
    expect(await count('obligations', "reference LIKE 'OB-%'")).toBe(0);
    expect(await count('declarations')).toBe(0);
    expect(await count('incentives')).toBe(0);
    expect(await count('agencies', "id = 'bad-agency'")).toBe(0);
    expect(await count('objections')).toBe(0);
  });

  it("Art. 4, 10, 21 refuses hostile text in the fields added for tiers, repair rules' effective day and the civic feed's batch, naming the field, and writes nothing (a 5,000-deep body is api-edge's)", async () => {
    const civicDb = (await organisations(platform, { civicDb: { id: 'jinan-civilisation-office', role: 'civic-db' } })).civicDb;
    const event = { eventId: 'BAD-EV-1', identityNumber: resident, kind: 'volunteering', amount: 2, occurredOn: today };
    const refusals: [string, string, string, unknown, string][] = [
      ['POST', '/records', market, { ...penalty('BAD-TIER-1'), tier: HIGH }, 'body.tier'],
      ['POST', '/records', market, { ...penalty('BAD-TIER-2'), tier: 'minor\u0000' }, 'body.tier'],
      ['POST', '/records', market, { ...penalty('BAD-TIER-3'), details: { procedure: 'general', penaltyKind: 'x'.repeat(100_000) } }, 'body.details.penaltyKind'],
      ['POST', '/records/BAD-PENALTY/correction', market, { typeCode: 'administrative-penalty', formedOn: today, tier: LOW, details: { procedure: 'general' }, evidence: [], reason: 'tier' }, 'body.tier'],
      ['POST', '/civic-events', civicDb, { events: [{ ...event, eventId: `BAD-EV-${HIGH}` }] }, 'body.events.0.eventId'],
      ['POST', '/civic-events', civicDb, { events: [{ ...event, eventId: 'BAD-EV-2', kind: 'volunteering\u0000' }] }, 'body.events.0.kind'],
      ['POST', '/repair-rules', ndrc, { definition: {}, description: 'hostile day', effectiveFrom: LOW }, 'body.effectiveFrom'],
    ];
    for (const [method, path, token, body, field] of refusals) {
      const answer = await call(method, path, token, body);
      expect({ path, status: answer.status, field: answer.body.error?.field }).toEqual({ path, status: 400, field });
    }
    expect(await count('records', "reference LIKE 'BAD-TIER-%'")).toBe(0);
    expect(await count('civic_events', "event_id LIKE 'BAD-EV-%'")).toBe(0);
    expect(await count('repair_rules')).toBe(1);
    expect(await count('records', "reference = 'BAD-PENALTY' AND version = 1")).toBe(1);
  });

  it('Art. 20 a task completion refused for bad input leaves the task open, and the same reviewer then decides it', async () => {
    const filed = await call('POST', '/objections', person, { target: 'record', recordId, reason: 'The penalty was annulled on review' });
    expect(filed.status).toBe(202);
    const taskId = await triageTask(filed.body.workflowId);
    const refused = await call('POST', `/tasks/${taskId}/completion`, ndrc, { decision: 'handle-in-house', reasons: HIGH });
    expect(refused.body.error).toMatchObject({ code: 'invalid-input', field: 'body.reasons' });
    // Below the edge, a decision Postgres refuses for good (as one the guard let through would be) fails the request, not the task.
    const direct = await platform.client.workflow
      .getHandle(filed.body.workflowId)
      .executeUpdate(completeTaskUpdate, { args: [{ taskId, actor: { subject: 'ndrc-reviewer-qian', role: 'ndrc' }, decision: 'handle-in-house', reasons: LOW }] })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(direct).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (direct as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ActivityFailure);
    expect((cause as ActivityFailure).cause).toMatchObject({ type: 'InvalidData', nonRetryable: true });
    expect((cause as ActivityFailure).cause).toBeInstanceOf(ApplicationFailure);
    expect((await call('GET', '/tasks?state=open', ndrc)).body.tasks.map((task: { id: string }) => task.id)).toContain(taskId);
    const decided = await call('POST', `/tasks/${taskId}/completion`, ndrc, { decision: 'handle-in-house', reasons: 'NDRC holds the file' });
    expect(decided).toMatchObject({ status: 200, body: { taskId, decision: 'handle-in-house' } });
    const history = await call('GET', `/tasks/${taskId}/history`, ndrc);
    expect(history.body.events.map((event: { event: string }) => event.event)).toEqual(['created', 'completed']);
  });

  it('Art. 10 refuses a bulk body that cannot be read or stored, naming the row and the line, and stages nothing', async () => {
    const row = (reference: string, details: Record<string, unknown> = {}) => JSON.stringify(penalty(reference, details));
    const csvHeader = 'reference,identityNumber,category,typeCode,formedOn,detail.procedure,detail.note';
    const csvRow = (reference: string, note = '') => `${reference},${resident},administrative,administrative-penalty,${today},general,${note}`;
    const cases: [string, string, number, string, string | RegExp, RegExp][] = [
      ['text/csv', `${csvHeader}\n${csvRow('CSV-1')}\n${csvRow('CSV-2', '"unterminated')}\n`, 400, 'invalid-csv', 'body', /^body: line 3: Quote Not Closed/],
      ['text/csv', `${csvHeader}\n${csvRow('CSV-1', 'a"b')}\n`, 400, 'invalid-csv', 'body', /^body: line 2: Invalid Opening Quote/],
      ['text/csv', `${csvHeader}\n${csvRow('CSV-1')}\n${csvRow('CSV-2', 'a\u0000b')}\n`, 400, 'invalid-input', 'rows.2.detail.note', /\(line 3\): must not contain the NUL/],
      ['application/x-ndjson', `${row('ND-1')}\n\n${row('ND-2', { note: HIGH })}\n${row('ND-3')}\n`, 400, 'invalid-input', 'rows.2.details.note', /\(line 3\): must be well-formed text/],
      ['application/x-ndjson', `${row('ND-1')}\n${row('ND-2').replace('"general"', '"gen\\u0000"')}\n`, 400, 'invalid-input', 'rows.2.details.procedure', /\(line 2\): must not contain the NUL/],
      ['application/json', `[${row('JS-1')}, ${row('JS-2', { note: LOW })}]`, 400, 'invalid-input', 'rows.2.details.note', /^rows\.2\.details\.note: must be well-formed text/],
      ['application/json', `[${row('JS-1')}, {"extra": ${'{"a": '.repeat(5_000)}1${'}'.repeat(5_000)}}]`, 400, 'too-deep', /^rows\.2\.extra\.a\.a/, /nested deeper than 32 levels/],
    ];
    for (const [contentType, body, status, code, field, message] of cases) {
      const answer = await bulk(contentType, body);
      expect({ contentType, status: answer.status, code: answer.body.error?.code }).toEqual({ contentType, status, code });
      expect(answer.body.error.field).toMatch(field);
      expect(answer.body.error.message).toMatch(message);
    }
    expect(await count('intake_batches')).toBe(0);
    expect(await count('records', "reference LIKE 'CSV-%' OR reference LIKE 'ND-%' OR reference LIKE 'JS-%'")).toBe(0);
  });

  it('Art. 10 takes hostile text in every field of a bulk row, in each format, with no 5xx: unstorable text refused whole, anything else staged, every batch finished', async () => {
    const texts = [HIGH, LOW, 'x\u0000y', '\ufffe\uffff', '\u202eevil\u202c', 'x'.repeat(100_000), '\u{20000}\u{2a6a5}'];
    const row = (reference: string, hostile?: { field: string; text: string }) => {
      const record = { ...penalty(reference), evidence: [{ kind: 'decision', ref: `decision ${reference}` }] };
      if (!hostile) return record;
      if (hostile.field === 'details.note') return { ...record, details: { procedure: 'general', note: hostile.text } };
      if (hostile.field === 'evidence.0.ref') return { ...record, evidence: [{ kind: 'decision', ref: hostile.text }] };
      return { ...record, [hostile.field]: hostile.text };
    };
    const csv = (rows: ReturnType<typeof row>[]) =>
      [
        'reference,identityNumber,category,typeCode,formedOn,evidence,detail.procedure,detail.note',
        ...rows.map((r) =>
          [r.reference, r.identityNumber, r.category, r.typeCode, r.formedOn, `${r.evidence[0]!.kind}:${r.evidence[0]!.ref}`, 'general', (r.details as { note?: string }).note ?? '']
            .map((cell) => `"${String(cell).replaceAll('"', '""')}"`)
            .join(','),
        ),
      ].join('\n');
    const answers = new Map<number, number>();
    let n = 0;
    for (const field of ['reference', 'identityNumber', 'typeCode', 'details.note', 'evidence.0.ref']) {
      for (const text of texts) {
        for (const format of ['application/json', 'application/x-ndjson', 'text/csv']) {
          n += 1;
          const rows = [row(`HOSTILE-${n}-GOOD`), row(`HOSTILE-${n}-BAD`, { field, text })];
          const body = format === 'text/csv' ? csv(rows) : format === 'application/json' ? JSON.stringify(rows) : rows.map((r) => JSON.stringify(r)).join('\n');
          const answer = await bulk(format, body);
          answers.set(answer.status, (answers.get(answer.status) ?? 0) + 1);
          expect([202, 400], `${format} ${field} ${JSON.stringify(text.slice(0, 12))}`).toContain(answer.status);
          if (answer.status === 400) expect(answer.body.error.field).toMatch(/^rows\.2\./);
        }
      }
    }
    expect(answers.get(202)).toBeGreaterThan(0);
    expect(answers.get(400)).toBeGreaterThan(0);
    await expect.poll(() => count('intake_batches', 'finished_at IS NULL'), { timeout: 60_000, interval: 500 }).toBe(0);
    // Every staged batch stored its good row.
    expect(await count('records', "reference LIKE 'HOSTILE-%-GOOD'")).toBe(await count('intake_batches'));
  }, 120_000);
});
