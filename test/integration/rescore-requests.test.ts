import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRescoreRequestActivities } from '../../src/activities/scoring/requests';
import { recordRescoreRequests } from '../../src/db/scores';
import { createTestDatabase, type TestDatabase } from '../support/database';

const ANSWERING = 'rescore-requests/test-queue';

/**
 * The activity that answers the rescoring requests of shares taken without a workflow, run in the
 * SDK's activity environment against a real Postgres: what it answers, and what it leaves.
 */
describe('Art. 6 answering the rescoring requests of shares taken without a workflow', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query(`INSERT INTO agencies (id, name, kind) VALUES ('jinan-civilisation-office', 'Jinan Civilisation Office', 'agency')`);
  });
  afterAll(() => db?.drop());

  /** A person in scope with one record (volunteering, unless named), and their request addressed to `answeredBy`. */
  async function personAsking(details: Record<string, unknown>, options: { typeCode?: string; answeredBy?: string } = {}): Promise<string> {
    const { typeCode = 'volunteering', answeredBy = ANSWERING } = options;
    const personId = randomUUID();
    await db.pool.query(
      `INSERT INTO persons (id, id_number_hash, id_number_encrypted, birth_date, residency, civil_capacity) VALUES ($1, $2, $2, '1980-01-01', 'household', 'full')`,
      [personId, Buffer.from(personId)],
    );
    const recordId = randomUUID();
    await db.pool.query(
      `INSERT INTO records (id, sharer_id, reference, person_id, category, type_code, source, formed_on, shared_at, shared_late, status, version, details, evidence, changed_by)
       SELECT $1, 'jinan-civilisation-office', $2, $3, category, code, 'public-agency', current_date, now(), false, 'active', 1, $4, '[]', 'test'
       FROM record_types WHERE code = $5`,
      [recordId, `REC-${recordId}`, personId, JSON.stringify(details), typeCode],
    );
    await recordRescoreRequests(db.pool, [{ id: `${recordId}/v1/rescore`, personId, reason: 'record-added', requestedBy: 'test', answeredBy }]);
    return personId;
  }

  const answerFor = (ms: number) =>
    new MockActivityEnvironment({ workflowExecution: { workflowId: ANSWERING, runId: randomUUID() }, heartbeatTimeoutMs: 30_000 }).run(
      createRescoreRequestActivities({ pool: db.pool }).answerRescoreRequests,
      { forMs: ms },
    );
  const request = async (personId: string) =>
    (await db.pool.query<{ answered: boolean; set_aside: string | null }>('SELECT answered_at IS NOT NULL AS answered, set_aside FROM rescore_requests WHERE person_id = $1', [personId])).rows[0];
  const score = async (personId: string) =>
    (await db.pool.query<{ score: number }>("SELECT score FROM scores WHERE person_id = $1 AND scenario = 'base'", [personId])).rows[0]?.score;

  it('scores the persons asking it, sets aside one whose scoring Postgres refuses for good, and leaves requests addressed to others', async () => {
    const asking = await personAsking({ hours: 20 });
    // A trillion hours: the record moves the score by at most MOST_POINTS_OF_A_RECORD, within the year's cap, instead of overflowing.
    const absurd = await personAsking({ hours: 1e12 });
    // A sentence day stored before the edge checked it (no day at all): its scoring cannot be done, the others' can.
    const unscorable = await personAsking({ sentenceServedOn: 'someday' }, { typeCode: 'criminal-conviction' });
    const others = await personAsking({ hours: 20 }, { answeredBy: 'rescore-person/elsewhere' });

    expect(await answerFor(500)).toEqual({ requests: 3 });
    expect(await request(asking)).toEqual({ answered: true, set_aside: null });
    expect(await score(asking)).toBe(1002);
    expect(await request(absurd)).toEqual({ answered: true, set_aside: null });
    expect(await score(absurd)).toBe(1020);
    expect(await request(unscorable)).toEqual({ answered: false, set_aside: expect.stringMatching(/^Postgres refused the data for good \(SQLSTATE 22007/) });
    expect(await score(unscorable)).toBeUndefined();
    expect(await request(others)).toEqual({ answered: false, set_aside: null });
  });

  it('answers a request made while it listens, without waiting for the next look', async () => {
    const listening = answerFor(3_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const asking = await personAsking({ hours: 30 });
    await expect.poll(() => request(asking), { timeout: 2_000, interval: 50 }).toEqual({ answered: true, set_aside: null });
    expect(await listening).toEqual({ requests: 1 });
  });
});
