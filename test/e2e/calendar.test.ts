import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type RunningPlatform } from '../support/platform';

/** The fields of the answers these tests read. */
interface ApiBody {
  changeId: string;
  workflowId: string;
  status: string;
  result: Record<string, unknown>;
  published: boolean;
  days: unknown[];
  error: { code: string; message: string; field?: string };
}

describe('Working days: an admin loads and corrects the calendar through the API', () => {
  let platform: RunningPlatform;
  let admin: string;

  beforeAll(async () => {
    platform = await startPlatform();
    admin = await platform.token('admin', { subject: 'admin-wang' });
  });
  afterAll(() => platform?.stop());

  const call = (method: string, path: string, token: string | undefined, body?: unknown) => platform.call<ApiBody>(method, path, token, body);

  async function finished(changeId: string) {
    await expect
      .poll(async () => (await call('GET', `/admin/calendar/changes/${changeId}`, admin)).body.status, { timeout: 30_000 })
      .toBe('COMPLETED');
    return (await call('GET', `/admin/calendar/changes/${changeId}`, admin)).body;
  }

  it('loads 2027 from a State Council notice: the workflow completes on the dev server and the rows are in Postgres', async () => {
    const started = await call('POST', '/admin/calendar/years/2027', admin, {
      holidays: [
        { day: '2027-01-01', name: "New Year's Day" },
        { day: '2027-02-05', name: 'Spring Festival' },
        { day: '2027-02-08', name: 'Spring Festival' },
      ],
      makeUpWorkdays: [{ day: '2027-02-20', name: 'Spring Festival' }],
    });
    expect(started.status).toBe(202);
    expect(started.body.workflowId).toBe(`calendar/${started.body.changeId}`);

    const change = await finished(started.body.changeId);
    expect(change.result).toMatchObject({ days: 365, signalled: 0 });

    const rows = await platform.db.pool.query(
      `SELECT day, is_working_day, source FROM calendar_days WHERE day IN ('2027-01-01', '2027-02-20', '2027-02-22') ORDER BY day`,
    );
    expect(rows.rows).toEqual([
      { day: '2027-01-01', is_working_day: false, source: 'state-council' },
      { day: '2027-02-20', is_working_day: true, source: 'state-council' },
      { day: '2027-02-22', is_working_day: true, source: 'state-council' },
    ]);
    const year = await platform.db.pool.query('SELECT loaded_by FROM calendar_years WHERE year = 2027');
    expect(year.rows).toEqual([{ loaded_by: 'admin-wang' }]);

    const read = await call('GET', '/calendar/years/2027', await platform.token('agency', { agency: 'city-court' }));
    expect(read.body.published).toBe(true);
    expect(read.body.days).toHaveLength(365);
  });

  it('reloads a published year from the chinese-days package when no notice is given', async () => {
    const started = await call('POST', '/admin/calendar/years/2026', admin, {});
    const change = await finished(started.body.changeId);
    expect(change.result).toMatchObject({ days: 365, workingDays: 248, source: 'chinese-days package' });
  });

  it('corrects a single day', async () => {
    const started = await call('POST', '/admin/calendar/corrections', admin, {
      days: [{ day: '2027-02-09', isWorkingDay: false, note: 'extra rest day' }],
      reason: 'State Council supplementary notice',
    });
    expect(started.status).toBe(202);
    await finished(started.body.changeId);
    const row = await platform.db.pool.query(`SELECT is_working_day, source FROM calendar_days WHERE day = '2027-02-09'`);
    expect(row.rows[0]).toEqual({ is_working_day: false, source: 'admin-correction' });
  });

  it('refuses a bad notice with the field and the reason, and writes nothing', async () => {
    const before = await platform.db.pool.query('SELECT count(*)::int AS n FROM calendar_days');
    const weekday = await call('POST', '/admin/calendar/years/2028', admin, {
      holidays: [],
      makeUpWorkdays: [{ day: '2028-01-05', name: 'not a weekend' }],
    });
    expect(weekday.status).toBe(400);
    expect(weekday.body.error).toMatchObject({ code: 'invalid-input', field: 'body.makeUpWorkdays' });
    expect(weekday.body.error.message).toContain('Saturday or Sunday');

    const badDate = await call('POST', '/admin/calendar/corrections', admin, { days: [{ day: '2027-02-30', isWorkingDay: false }], reason: 'x' });
    expect(badDate.status).toBe(400);
    expect(badDate.body.error.field).toBe('body.days.0.day');

    // A day given twice would have no one meaning (and the fuzzer found it left the change retrying for ever).
    const twice = await call('POST', '/admin/calendar/corrections', admin, {
      days: [
        { day: '2027-02-01', isWorkingDay: false },
        { day: '2027-02-01', isWorkingDay: true },
      ],
      reason: 'x',
    });
    expect(twice.body.error).toMatchObject({ code: 'invalid-input', field: 'body.days', message: expect.stringContaining('twice') });

    const badYear = await call('POST', '/admin/calendar/years/20x8', admin, {});
    expect(badYear.status).toBe(400);
    expect(badYear.body.error.field).toBe('params.year');

    const after = await platform.db.pool.query('SELECT count(*)::int AS n FROM calendar_days');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('Art. 10, 20 counts working days in a year no notice has published by the holiday rules, a festival lost to another holiday made up', async () => {
    // 2031: Mid-autumn falls on National Day's 1 October; the day is made up on Monday 6 October.
    const read = await call('GET', '/calendar/years/2031', await platform.token('agency', { agency: 'city-court' }));
    expect(read.body.published).toBe(false);
    const days = new Map((read.body.days as { day: string; isWorkingDay: boolean }[]).map((day) => [day.day, day.isWorkingDay]));
    expect(['2031-10-01', '2031-10-03', '2031-10-06', '2031-10-07'].map((day) => days.get(day))).toEqual([false, false, false, true]);
  });

  it('lets only admins change the calendar', async () => {
    const anonymous = await call('POST', '/admin/calendar/years/2027', undefined, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthenticated');
    const agency = await call('POST', '/admin/calendar/years/2027', await platform.token('agency', { agency: 'city-court' }), {});
    expect(agency.status).toBe(403);
    expect(agency.body.error.code).toBe('forbidden');
  });
});
