import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKET_ATTESTATION } from '../../src/domain/record';
import { BEFORE_ADULTHOOD } from '../../src/domain/scope';
import { addDays, shanghaiDayOf } from '../../src/domain/working-days';
import { identityNumber, withWrongCheckDigit } from '../support/identities';
import { organisations } from '../support/organisations';
import { startPlatform, type RunningPlatform } from '../support/platform';
import { penaltySubmission } from '../support/records';
import { residentInScope } from '../support/residents';

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string; field?: string } };
}

describe('Credit records through the API on the dev server', () => {
  let platform: RunningPlatform;
  let market: string;
  let police: string;
  let bank: string;
  const today = shanghaiDayOf(new Date());
  const adult = identityNumber('1988-08-08', 231);

  beforeAll(async () => {
    platform = await startPlatform();
    ({ market, police, bank } = await organisations(platform, { market: 'jinan-market-regulation', police: 'jinan-public-security', bank: 'qilu-bank' }));
  });
  afterAll(() => platform?.stop());

  const call = (method: string, path: string, token: string, body?: unknown): Promise<Answer> => platform.call<Answer['body']>(method, path, token, body);

  const penalty = (reference: string, who = adult, details?: Record<string, unknown>) => penaltySubmission(reference, who, today, details);

  async function count(table: string, where = 'true', params: unknown[] = []) {
    return (await platform.db.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params)).rows[0].n as number;
  }

  describe('Art. 10 announce, share, correct and revoke', () => {
    it('announces an obligation, shares the record, tells the person and asks for rescoring', async () => {
      expect((await call('POST', '/obligations', market, { reference: 'MR-1', formedOn: today })).status).toBe(202);
      await expect.poll(async () => (await call('GET', '/obligations?state=open', market)).body.obligations).toMatchObject([{ reference: 'MR-1', slaState: 'on-track' }]);

      const shared = await call('POST', '/records', market, penalty('MR-1'));
      expect(shared.status).toBe(201);
      expect(shared.body).toMatchObject({ status: 'accepted', version: 1, late: false });

      const record = await platform.db.pool.query('SELECT id, person_id, shared_late FROM records WHERE reference = $1', ['MR-1']);
      expect(record.rows).toHaveLength(1);
      const personId = record.rows[0].person_id as string;
      expect(await count('notifications', "kind = 'record-added' AND recipient_id = $1", [personId])).toBe(1);
      expect((await platform.db.pool.query('SELECT answered_by FROM rescore_requests WHERE person_id = $1', [personId])).rows).toEqual([
        { answered_by: `rescore-person/${personId}` },
      ]);
      await expect.poll(async () => (await call('GET', '/obligations/MR-1', market)).body).toMatchObject({ state: 'shared', late: false });
      expect((await call('GET', '/obligations?state=open', market)).body.obligations).toEqual([]);
    });

    it('stores one record when the same share is sent twice', async () => {
      const first = await call('POST', '/records', market, penalty('MR-2'));
      const second = await call('POST', '/records', market, penalty('MR-2'));
      expect(first.status).toBe(201);
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ status: 'duplicate', recordId: first.body.recordId });
      expect(await count('records', 'reference = $1', ['MR-2'])).toBe(1);
    });

    it('Art. 6 takes a share on time with no obligation announced without a workflow: stored once, its obligation and SLA stage met, the person rescored at once', async () => {
      const resident = await residentInScope(platform, police, { birthDate: '1979-04-04', sequence: 271 });
      const before = await platform.db.pool.query<{ score: number }>("SELECT score FROM scores WHERE person_id = $1 AND scenario = 'base'", [resident.personId]);
      const sends = await Promise.all([1, 2, 3, 4].map(() => call('POST', '/records', market, penalty('MR-ONTIME', resident.identity))));
      expect(sends.map((sent) => sent.status).sort()).toEqual([200, 200, 200, 201]);
      const accepted = sends.find((sent) => sent.status === 201)!.body;
      expect(accepted).toMatchObject({ status: 'accepted', late: false });
      expect(sends.filter((sent) => sent.status === 200).map((sent) => sent.body)).toEqual(Array(3).fill({ status: 'duplicate', recordId: accepted.recordId, version: 1 }));
      expect(await count('records', 'reference = $1', ['MR-ONTIME'])).toBe(1);

      const workflowId = 'record-sharing/jinan-market-regulation/MR-ONTIME';
      await expect(platform.client.workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/i);
      expect(await call('GET', '/obligations/MR-ONTIME', market)).toMatchObject({
        status: 200,
        body: { state: 'shared', slaState: 'met', late: false, recordId: accepted.recordId, failure: null },
      });
      expect((await call('GET', '/obligations?state=shared', market)).body.obligations).toContainEqual(expect.objectContaining({ reference: 'MR-ONTIME', slaState: 'met', sharedLate: false }));
      expect(await count('sla_stages', "workflow_id = $1 AND state = 'met' AND finished_at IS NOT NULL", [workflowId])).toBe(1);
      expect(await call('POST', '/obligations', market, { reference: 'MR-ONTIME', formedOn: today })).toMatchObject({ status: 409, body: { error: { code: 'obligation-exists' } } });

      // The rescoring asked in the share's transaction is answered by the task queue's one listening workflow.
      const requests = await platform.db.pool.query<{ answered_by: string }>("SELECT answered_by FROM rescore_requests WHERE requested_by = $1", [workflowId]);
      expect(requests.rows).toEqual([{ answered_by: expect.stringMatching(/^rescore-requests\//) }]);
      await expect.poll(async () => (await platform.db.pool.query("SELECT count(*)::int AS n FROM rescore_requests WHERE requested_by = $1 AND answered_at IS NOT NULL", [workflowId])).rows[0].n).toBe(1);
      const after = await platform.db.pool.query<{ score: number; computed_by: string }>("SELECT score, computed_by FROM scores WHERE person_id = $1 AND scenario = 'base'", [resident.personId]);
      expect(after.rows[0]!.score).toBeLessThan(before.rows[0]!.score);
      expect(after.rows[0]!.computed_by).toMatch(/^rescore-requests\//);
    });

    it('refuses a share whose announced obligation was withdrawn, and stores nothing', async () => {
      expect((await call('POST', '/obligations', market, { reference: 'MR-WITHDRAWN', formedOn: today })).status).toBe(202);
      expect(await call('POST', '/obligations/MR-WITHDRAWN/withdrawal', market, { reason: 'announced in error' })).toMatchObject({ status: 200, body: { state: 'withdrawn' } });
      expect(await call('POST', '/records', market, penalty('MR-WITHDRAWN'))).toMatchObject({ status: 409, body: { error: { code: 'obligation-closed', field: 'body.reference' } } });
      expect(await count('records', 'reference = $1', ['MR-WITHDRAWN'])).toBe(0);
    });

    it('keeps a workflow for a share that comes late unannounced: its obligation is breached, escalated and shown to supervisors', async () => {
      const shared = await call('POST', '/records', market, penaltySubmission('MR-LATE', adult, addDays(today, -40)));
      expect(shared).toMatchObject({ status: 201, body: { status: 'accepted', late: true } });
      const workflowId = 'record-sharing/jinan-market-regulation/MR-LATE';
      await expect.poll(async () => (await platform.client.workflow.getHandle(workflowId).describe()).status.name).toBe('COMPLETED');
      expect(await call('GET', '/obligations/MR-LATE', market)).toMatchObject({ status: 200, body: { state: 'shared', late: true, slaState: 'breached' } });
      expect(await count('notifications', "workflow_id = $1 AND kind = 'sla-escalation'", [workflowId])).toBe(1);
    });

    it('corrects and revokes a record, keeping every version', async () => {
      const corrected = await call('POST', '/records/MR-2/correction', market, {
        typeCode: 'administrative-penalty',
        formedOn: today,
        details: { procedure: 'general', amountYuan: 2000 },
        evidence: [{ kind: 'decision', ref: 'amended decision MR-2' }],
        reason: 'the fine was reduced on review',
      });
      expect(corrected).toMatchObject({ status: 200, body: { version: 2, status: 'active' } });
      const revoked = await call('POST', '/records/MR-2/revocation', market, { reason: 'decision annulled by the court' });
      expect(revoked).toMatchObject({ status: 200, body: { version: 3, status: 'revoked' } });

      const read = await call('GET', '/records/MR-2', market);
      expect(read.status).toBe(200);
      expect((read.body.versions as { version: number; status: string }[]).map((v) => `${v.version}:${v.status}`)).toEqual(['3:revoked', '2:active', '1:active']);
      expect((read.body.versions as { details: Record<string, unknown> }[])[1]!.details).toEqual({ procedure: 'general', amountYuan: 2000 });
      expect(await count('record_history', 'reference = $1', ['MR-2'])).toBe(2);

      const again = await call('POST', '/records/MR-2/revocation', market, { reason: 'twice' });
      expect(again.status).toBe(409);
      expect((await call('POST', '/records/NOPE/revocation', market, { reason: 'unknown' })).status).toBe(404);
    });

    it('refuses information formed after today on every path, with the field, and writes nothing: an announcement, a share, a correction', async () => {
      const tomorrow = addDays(today, 1);
      expect((await call('POST', '/records', market, penalty('FUTURE-BASE'))).status).toBe(201);
      const refusals = [
        await call('POST', '/obligations', market, { reference: 'FUTURE-1', formedOn: tomorrow }),
        await call('POST', '/records', market, penaltySubmission('FUTURE-1', adult, tomorrow)),
        await call('POST', '/records/FUTURE-BASE/correction', market, { typeCode: 'administrative-penalty', formedOn: tomorrow, details: { procedure: 'general' }, reason: 'dated ahead' }),
      ];
      for (const answer of refusals) {
        expect(answer.status).toBe(400);
        expect(answer.body.error).toMatchObject({ field: 'body.formedOn', message: expect.stringContaining('must not be in the future') });
      }
      expect(await count('records', "reference = 'FUTURE-1'")).toBe(0);
      expect(await count('obligations', "reference = 'FUTURE-1'")).toBe(0);
      expect((await call('GET', '/records/FUTURE-BASE', market)).body.versions).toHaveLength(1);
    });

    it('Art. 22 refuses a reference that carries an identity number anywhere in it, without echoing it: references become workflow ids', async () => {
      const carried = `CASE-${adult}-2`;
      for (const answer of [
        await call('POST', '/records', market, penalty(carried)),
        await call('POST', '/obligations', market, { reference: carried, formedOn: today }),
      ]) {
        expect(answer.status).toBe(400);
        expect(answer.body.error).toMatchObject({ field: 'body.reference', message: expect.stringContaining('identity number') });
        expect(JSON.stringify(answer.body)).not.toContain(adult);
      }
      expect(await count('records', 'reference = $1', [carried])).toBe(0);
      // Eighteen digits that are no identity number (no valid check digit) are a reference like any other.
      const digits = `${adult.slice(0, 17)}${adult[17] === '0' ? '1' : '0'}`;
      expect((await call('POST', '/records', market, penalty(`CASE-${digits}`))).status).toBe(201);
    });

    it('lets a market provider share market information with its attestation, and nothing else', async () => {
      const loan = {
        reference: 'QB-LOAN-1',
        identityNumber: adult,
        category: 'market',
        typeCode: 'loan-overdue',
        formedOn: today,
        details: { daysOverdue: 95 },
        attestation: { statement: MARKET_ATTESTATION, attestedBy: 'Qilu Bank credit office', attestedAt: new Date().toISOString() },
      };
      expect((await call('POST', '/records', bank, loan)).status).toBe(201);
      const unattested = await call('POST', '/records', bank, { ...loan, reference: 'QB-LOAN-2', attestation: undefined });
      expect(unattested.status).toBe(400);
      expect(unattested.body.error?.field).toBe('body.attestation');
      expect((await call('POST', '/records', bank, penalty('QB-PEN-1'))).status).toBe(403);
    });

    it('shows a person their own records, and registers the read (Art. 22)', async () => {
      const reader = identityNumber('1986-06-16', 616);
      for (const reference of ['READ-1', 'READ-2']) expect((await call('POST', '/records', market, penalty(reference, reader))).status).toBe(201);
      const { person_id: personId } = (await platform.db.pool.query('SELECT person_id FROM records WHERE reference = $1', ['READ-1'])).rows[0];
      const person = await platform.token('person', { person: personId });
      const mine = await call('GET', '/me/records', person);
      expect(mine.status).toBe(200);
      expect((mine.body.records as { reference: string }[]).map((r) => r.reference).sort()).toEqual(['READ-1', 'READ-2']);
      expect(await count('query_log', "actor_role = 'person' AND person_id = $1", [personId])).toBe(1);
      expect((await call('GET', '/records/READ-1', police)).status).toBe(404);
    });
  });

  describe('Art. 10 bulk intake', () => {
    async function bulk(contentType: string, body: string, token = market) {
      const response = await fetch(`${platform.url}/records/bulk`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        body,
      });
      return { status: response.status, body: (await response.json()) as { batchId: string; rows: number; error?: { field?: string } } };
    }

    async function results(batchId: string) {
      await expect
        .poll(async () => (await call('GET', `/records/batches/${batchId}`, market)).body.finished, { timeout: 30_000 })
        .toBe(true);
      return (await call('GET', `/records/batches/${batchId}`, market)).body as {
        accepted: number;
        refused: number;
        duplicates: number;
        results: { row: number; outcome: string; field: string | null; reason: string | null; reference: string | null; recordId: string | null }[];
      };
    }

    it('stores the good rows of an NDJSON batch and reports each bad and duplicate row with its field and reason', async () => {
      expect((await call('POST', '/obligations', market, { reference: 'BULK-ANNOUNCED', formedOn: today })).status).toBe(202);
      const rows = [
        penalty('BULK-1'),
        penalty('BULK-2', identityNumber('1970-01-30', 17)),
        penalty('BULK-SIMPLE', adult, { procedure: 'simple' }),
        penalty('BULK-BADID', withWrongCheckDigit(adult)),
        penalty('BULK-MINOR', identityNumber('2011-03-03', 5)),
        { ...penalty('BULK-UNKNOWN'), typeCode: 'parking-ticket' },
        penalty('MR-1'),
        penalty('BULK-1'),
        penalty('BULK-ANNOUNCED'),
        penaltySubmission('BULK-FUTURE', adult, addDays(today, 1)),
      ];
      const sent = await bulk('application/x-ndjson', rows.map((row) => JSON.stringify(row)).join('\n') + '\n{not json\n');
      expect(sent.status).toBe(202);
      expect(sent.body).toMatchObject({ rows: 11 });

      const batch = await results(sent.body.batchId);
      expect(batch).toMatchObject({ accepted: 3, refused: 6, duplicates: 2 });
      expect(batch.results.map((r) => [r.row, r.outcome, r.field])).toEqual([
        [1, 'accepted', null],
        [2, 'accepted', null],
        [3, 'refused', 'details.procedure'],
        [4, 'refused', 'identityNumber'],
        [5, 'refused', 'formedOn'],
        [6, 'refused', 'typeCode'],
        [7, 'duplicate', 'reference'],
        [8, 'duplicate', 'reference'],
        [9, 'accepted', null],
        [10, 'refused', 'formedOn'],
        [11, 'refused', 'row'],
      ]);
      expect(batch.results[9]!.reason).toBe('must not be in the future');
      expect(batch.results[4]!.reason).toBe(BEFORE_ADULTHOOD);
      expect(batch.results[2]!.reason).toContain('Art. 9(5)');
      expect(await count('records', "reference LIKE 'BULK-%'")).toBe(3);
      expect(await count('records', "reference IN ('BULK-SIMPLE', 'BULK-BADID', 'BULK-MINOR', 'BULK-UNKNOWN')")).toBe(0);
      // The announced obligation closes with the batch.
      await expect.poll(async () => (await call('GET', '/obligations/BULK-ANNOUNCED', market)).body).toMatchObject({ state: 'shared', late: false });
    });

    it('closes the obligation of a late share that a batch stored before: the workflow and its row both say shared', async () => {
      const formedLongAgo = addDays(today, -40);
      const row = penaltySubmission('BULK-THEN-LATE', adult, formedLongAgo);
      const sent = await bulk('application/x-ndjson', JSON.stringify(row));
      expect((await results(sent.body.batchId)).accepted).toBe(1);
      expect(await call('POST', '/records', market, row)).toMatchObject({ status: 200, body: { status: 'duplicate' } });
      expect(await call('GET', '/obligations/BULK-THEN-LATE', market)).toMatchObject({ status: 200, body: { state: 'shared' } });
      expect((await platform.db.pool.query("SELECT state FROM obligations WHERE reference = 'BULK-THEN-LATE'")).rows).toEqual([{ state: 'shared' }]);
    });

    it('takes CSV with detail columns and a JSON array', async () => {
      const csv = [
        'reference,identityNumber,category,typeCode,formedOn,evidence,detail.procedure',
        `CSV-1,${adult},administrative,administrative-penalty,${today},decision:CSV-1 decision,general`,
        `CSV-2,${adult},administrative,administrative-penalty,${today},,simple`,
      ].join('\n');
      const fromCsv = await bulk('text/csv', csv);
      expect(fromCsv.status).toBe(202);
      const csvBatch = await results(fromCsv.body.batchId);
      expect(csvBatch.results.map((r) => `${r.reference}:${r.outcome}`)).toEqual(['CSV-1:accepted', 'CSV-2:refused']);

      const fromJson = await bulk('application/json', JSON.stringify([penalty('JSON-1'), penalty('JSON-2')]));
      expect((await results(fromJson.body.batchId)).accepted).toBe(2);
      expect((await bulk('application/json', '{"not": "an array"}')).status).toBe(400);
      expect((await bulk('application/xml', '<records/>')).status).toBe(415);
    });

    it("Art. 4 takes each row's tier within its type's (Guobanfa [2025] 22): named, minor for a warning, else the type's default", async () => {
      const csv = [
        'reference,identityNumber,category,typeCode,formedOn,tier,detail.procedure,detail.penaltyKind',
        `TIER-1,${adult},administrative,administrative-penalty,${today},serious,general,fine`,
        `TIER-2,${adult},administrative,administrative-penalty,${today},,general,warning`,
        `TIER-3,${adult},administrative,administrative-penalty,${today},,general,fine`,
        `TIER-4,${adult},administrative,administrative-penalty,${today},grave,general,`,
        `TIER-5,${adult},administrative,market-ban,${today},minor,,`,
      ].join('\n');
      const sent = await bulk('text/csv', csv);
      expect(sent.status).toBe(202);
      const batch = await results(sent.body.batchId);
      expect(batch.results.map((r) => [r.reference, r.outcome, r.field])).toEqual([
        ['TIER-1', 'accepted', null],
        ['TIER-2', 'accepted', null],
        ['TIER-3', 'accepted', null],
        ['TIER-4', 'refused', 'tier'],
        ['TIER-5', 'refused', 'tier'],
      ]);
      expect(batch.results[4]!.reason).toBe('market-ban is classified serious, not minor');
      const stored = await platform.db.pool.query(`SELECT reference, tier FROM records WHERE reference LIKE 'TIER-%' ORDER BY reference`);
      expect(stored.rows).toEqual([
        { reference: 'TIER-1', tier: 'serious' },
        { reference: 'TIER-2', tier: 'minor' },
        { reference: 'TIER-3', tier: 'general' },
      ]);
    });
  });

  describe('Art. 3 and Art. 9 refusals write nothing', () => {
    it('refuses an identity number with a wrong check digit, naming the field', async () => {
      const before = await count('persons');
      const refused = await call('POST', '/records', market, penalty('MR-BAD-ID', withWrongCheckDigit(adult)));
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ field: 'body.identityNumber', message: expect.stringContaining('wrong check digit') });
      expect(refused.body.error!.message).not.toContain(adult.slice(0, 17));
      expect(await count('persons')).toBe(before);
      expect(await count('obligations', 'reference = $1', ['MR-BAD-ID'])).toBe(0);
    });

    it('Art. 3 refuses conduct dated before the person\'s 18th birthday, whenever it is shared', async () => {
      const minor = identityNumber('2012-06-01', 88);
      const refused = await call('POST', '/records', market, penalty('MR-MINOR', minor));
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'out-of-scope', field: 'body.formedOn', message: BEFORE_ADULTHOOD });
      // An adult today, for conduct of the day before their 18th birthday, shared years later.
      const adultNow = identityNumber('2004-03-10', 89);
      const late = await call('POST', '/records', market, penaltySubmission('MR-YOUTH', adultNow, '2022-03-09'));
      expect(late.body.error).toMatchObject({ code: 'out-of-scope', field: 'body.formedOn', message: BEFORE_ADULTHOOD });
      expect((await call('POST', '/records', market, penaltySubmission('MR-ADULT', adultNow, '2022-03-10'))).status).toBe(201);
      expect(await count('records', "reference IN ('MR-MINOR', 'MR-YOUTH')")).toBe(0);
    });

    it('Art. 3, 22 keeps a record about a person out of scope, who is not scored, answering as for anyone: the sharer never learns whether the platform knows the person or where they live', async () => {
      const visitor = identityNumber('1979-11-11', 305, '110105');
      const permit = await call('POST', '/records', police, {
        reference: 'PS-PERMIT-1',
        identityNumber: visitor,
        category: 'identity',
        typeCode: 'residence-permit',
        formedOn: today,
        details: { validUntil: '2025-12-31' },
      });
      expect(permit.status).toBe(201);
      const known = await call('POST', '/records', market, penalty('MR-VISITOR', visitor));
      const unknown = await call('POST', '/records', market, penalty('MR-STRANGER', identityNumber('1980-12-12', 307, '110105')));
      const shape = (answer: Answer) => ({ status: answer.status, fields: Object.keys(answer.body).sort(), outcome: answer.body.status, late: answer.body.late });
      expect(shape(known)).toEqual(shape(unknown));
      expect(known).toMatchObject({ status: 201, body: { status: 'accepted' } });
      const personId = (await platform.db.pool.query('SELECT person_id FROM records WHERE reference = $1', ['MR-VISITOR'])).rows[0].person_id as string;
      const visitorToken = await platform.token('person', { person: personId });
      await platform.signAgreement(visitorToken);
      const score = await call('GET', '/me/score', visitorToken);
      expect(score.body).toMatchObject({ inScope: false, scores: [], outOfScope: expect.arrayContaining([expect.objectContaining({ code: 'no-local-residency' })]) });
    });

    it('refuses an administrative penalty under the simple procedure, citing Art. 9(5)', async () => {
      const refused = await call('POST', '/records', market, penalty('MR-SIMPLE', adult, { procedure: 'simple' }));
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ field: 'body.details.procedure', message: expect.stringContaining('Art. 9(5)') });
      expect(await count('records', 'reference = $1', ['MR-SIMPLE'])).toBe(0);
      expect(await count('obligations', 'reference = $1', ['MR-SIMPLE'])).toBe(0);
    });
  });
});
