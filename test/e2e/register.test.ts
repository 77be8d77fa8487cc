import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDayOf } from '../../src/domain/working-days';
import { identityNumber } from '../support/identities';
import { organisations } from '../support/organisations';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';

describe('Art. 22 the query register: supervisors search it, a person sees who looked', () => {
  let platform: RunningPlatform;
  let market: string;
  let supervisor: string;
  let person: string;
  let personId: string;
  const today = shanghaiDayOf(new Date());
  const OTHER_RESIDENT = '00000000-0000-4000-8000-000000000515';

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<JsonAnswer> => platform.call<JsonAnswer['body']>(method, path, token, body);

  beforeAll(async () => {
    platform = await startPlatform();
    ({ market } = await organisations(platform, { market: { id: 'jinan-market-regulation', subject: 'market-clerk-li' } }));
    supervisor = await platform.token('supervisor', { subject: 'supervisor-sun' });
    const shared = await call('POST', '/records', market, {
      reference: 'PEN-515',
      identityNumber: identityNumber('1975-05-15', 515),
      category: 'administrative',
      typeCode: 'administrative-penalty',
      formedOn: today,
      details: { procedure: 'general' },
    });
    personId = (await platform.db.pool.query('SELECT person_id FROM records WHERE id = $1', [shared.body.recordId])).rows[0].person_id;
    person = await platform.token('person', { person: personId, subject: 'resident-515' });
    // Reads of the person's data: their own, the sharer's, and another person's refused attempt.
    await call('GET', '/me/records', person);
    await call('GET', '/records/PEN-515', market);
    await call('GET', '/records/PEN-515', market);
    // Another resident whose token happens to carry the same subject: the register tells them apart by platform id.
    const other = await platform.token('person', { person: OTHER_RESIDENT, subject: 'resident-515' });
    const otherRepair = await call('GET', `/repairs/eligibility?recordId=${shared.body.recordId}`, other);
    expect(otherRepair.status).toBe(404);
  });
  afterAll(() => platform?.stop());

  it('lets a supervisor search by person, organisation and outcome, a page at a time, and registers the search itself', async () => {
    const beforeSearching = new Date().toISOString();
    const all = await call('GET', `/register?personId=${personId}`, supervisor);
    expect(all.status).toBe(200);
    expect(all.body.entries.map((e: JsonAnswer['body']) => `${e.actorId}:${e.purpose}:${e.outcome}`)).toEqual([
      `${OTHER_RESIDENT}:another person's record, for its repair:refused`,
      'market-clerk-li:record management by its sharer:granted',
      'market-clerk-li:record management by its sharer:granted',
      `${personId}:own records:granted`,
    ]);
    const byAgency = await call('GET', `/register?agency=jinan-market-regulation&personId=${personId}`, supervisor);
    expect(byAgency.body.entries).toHaveLength(2);
    expect(byAgency.body.entries[0]).toMatchObject({ actorRole: 'agency', actorAgency: 'jinan-market-regulation', legalBasis: 'Art. 10', personId });

    // A page at a time: every entry once, newest first (up to the first search: each search is registered too).
    const seen: string[] = [];
    let page: string | null = '';
    for (let guard = 0; page !== null && guard < 10; guard += 1) {
      const answer: JsonAnswer = await call('GET', `/register?personId=${personId}&to=${encodeURIComponent(beforeSearching)}&limit=1${page ? `&before=${encodeURIComponent(page)}` : ''}`, supervisor);
      seen.push(...answer.body.entries.map((e: JsonAnswer['body']) => e.id));
      page = answer.body.nextPage;
    }
    expect(seen).toEqual(all.body.entries.map((e: JsonAnswer['body']) => e.id));

    const searches = await platform.db.pool.query(`SELECT count(*)::int AS n FROM query_log WHERE actor_id = 'supervisor-sun' AND purpose = 'query register search' AND person_id = $1`, [personId]);
    expect(searches.rows[0].n).toBeGreaterThan(0);
    expect((await call('GET', '/register?outcome=refused', supervisor)).body.entries).toMatchObject([{ actorId: OTHER_RESIDENT, outcome: 'refused', personId, subject: expect.stringMatching(/^record\//) }]);
  });

  it('refuses the register to every other role, and bad ranges and cursors with the field', async () => {
    for (const token of [market, person, await platform.token('ndrc')]) expect((await call('GET', '/register', token)).status).toBe(403);
    expect((await call('GET', '/register?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z', supervisor)).body.error).toMatchObject({ field: 'querystring.to' });
    expect((await call('GET', '/register?before=yesterday', supervisor)).body.error).toMatchObject({ field: 'querystring.before' });
    expect((await call('GET', '/register?limit=501', supervisor)).body.error).toMatchObject({ field: 'querystring.limit' });
  });

  it('shows a person who read their data, by organisation and not by staff member, without their own reads unless asked, telling residents apart by platform id', async () => {
    const mine = await call('GET', '/me/register', person);
    const purposes = mine.body.entries.map((e: JsonAnswer['body']) => `${e.actorRole}/${e.organisation}:${e.purpose}:${e.outcome}`);
    expect(purposes.filter((p: string) => p.startsWith('agency/'))).toEqual([
      'agency/jinan-market-regulation:record management by its sharer:granted',
      'agency/jinan-market-regulation:record management by its sharer:granted',
    ]);
    expect(purposes).toContain('supervisor/null:query register search:granted');
    // Another resident's refused attempt shows, though their token's subject is the person's; the person's own reads do not.
    expect(purposes.filter((p: string) => p.startsWith('person/'))).toEqual(["person/null:another person's record, for its repair:refused"]);
    expect(JSON.stringify(mine.body)).not.toContain('market-clerk-li');
    const withOwn = await call('GET', '/me/register?includeOwn=true', person);
    expect(withOwn.body.entries.some((e: JsonAnswer['body']) => e.purpose === 'own records')).toBe(true);
  });
});
