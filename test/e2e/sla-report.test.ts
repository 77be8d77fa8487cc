import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type JsonAnswer, type RunningPlatform } from '../support/platform';

/**
 * The supervisors' SLA report (the board's figures): a seeded month of stages, counted by the
 * report set-based, equals the count of the same stages row by row.
 */
describe('Art. 10, Art. 20 SLA compliance report by agency and process', () => {
  let platform: RunningPlatform;
  let supervisor: string;
  const MONTH = { from: '2026-03-01', to: '2026-03-31' };

  beforeAll(async () => {
    platform = await startPlatform();
    supervisor = await platform.token('supervisor');
    // 3,000 stages due from late February to early April (Shanghai), over three agencies and NDRC,
    // four processes, each met on time, met late, breached, open, or stopped by its process's failure.
    await platform.db.pool.query(
      `INSERT INTO sla_stages (stage_key, workflow_id, process, stage, article, agency_id, responsible, start_day, working_days, started_at, due_at, remind_at, provisional, state, breached_at, finished_at)
       SELECT gen_random_uuid(), 'seeded/' || i, (ARRAY['record-sharing', 'objection', 'repair', 'declaration'])[1 + i % 4], 'stage', 'Art. 10',
              (ARRAY['sla-agency-a', 'sla-agency-b', 'sla-agency-c', NULL])[1 + (i / 4) % 4], 'agency', '2026-02-01', 5, due - interval '7 days', due, due - interval '1 day', false,
              CASE i % 7 WHEN 0 THEN 'met' WHEN 1 THEN 'breached' WHEN 2 THEN 'breached' WHEN 3 THEN 'due-soon' WHEN 6 THEN 'failed' ELSE 'on-track' END,
              CASE WHEN i % 7 IN (1, 2) THEN due END,
              CASE i % 7 WHEN 0 THEN due - interval '2 hours' WHEN 1 THEN due + interval '3 hours' WHEN 5 THEN due - interval '1 day' END
       FROM generate_series(1, 3000) AS i, LATERAL (SELECT timestamptz '2026-02-25 16:00:00+00' + (i * interval '13 minutes') AS due) d`,
    );
  });
  afterAll(() => platform?.stop());

  it('counts each agency and process of the month as a row-by-row count of the same stages does, and gives the same as CSV', async () => {
    const answer = await platform.call<JsonAnswer['body']>('GET', `/reports/sla?from=${MONTH.from}&to=${MONTH.to}`, supervisor);
    expect(answer.status).toBe(200);
    const stages = await platform.db.pool.query<{ agency_id: string | null; process: string; due_at: Date; finished_at: Date | null; state: string }>(
      'SELECT agency_id, process, due_at, finished_at, state FROM sla_stages',
    );
    // A stage is due on the Shanghai day its due time ends: March's run from 1 March 00:00 (exclusive) to 1 April 00:00 in Jinan.
    const inMonth = stages.rows.filter((s) => s.due_at > new Date('2026-02-28T16:00:00Z') && s.due_at <= new Date('2026-03-31T16:00:00Z'));
    const expected = new Map<string, { agencyId: string | null; process: string; metOnTime: number; metLate: number; breached: number; open: number; failed: number }>();
    for (const stage of inMonth) {
      const key = `${stage.agency_id}/${stage.process}`;
      const row = expected.get(key) ?? { agencyId: stage.agency_id, process: stage.process, metOnTime: 0, metLate: 0, breached: 0, open: 0, failed: 0 };
      if (stage.finished_at) row[stage.finished_at <= stage.due_at ? 'metOnTime' : 'metLate'] += 1;
      else row[stage.state === 'breached' ? 'breached' : stage.state === 'failed' ? 'failed' : 'open'] += 1;
      expected.set(key, row);
    }
    const byKey = (rows: { agencyId: string | null; process: string }[]) => [...rows].sort((a, b) => `${a.agencyId}/${a.process}`.localeCompare(`${b.agencyId}/${b.process}`));
    expect(byKey(answer.body.rows)).toEqual(byKey([...expected.values()]));
    expect(inMonth.length).toBeGreaterThan(2000);
    expect(inMonth.length).toBeLessThan(3000);

    // The trend has every day of the month, and its days add up to the rows.
    expect(answer.body.trend).toHaveLength(31);
    const sum = (items: Record<string, number>[], key: string) => items.reduce((total, item) => total + item[key]!, 0);
    for (const figure of ['metOnTime', 'metLate', 'breached', 'open', 'failed']) expect(sum(answer.body.trend, figure)).toBe(sum(answer.body.rows, figure));

    const csv = await fetch(`${platform.url}/reports/sla.csv?from=${MONTH.from}&to=${MONTH.to}`, { headers: { authorization: `Bearer ${supervisor}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toContain('sla-2026-03-01-2026-03-31.csv');
    const lines = (await csv.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('agency,process,metOnTime,metLate,breached,open,failed');
    expect(lines.slice(1).sort()).toEqual(answer.body.rows.map((r: JsonAnswer['body']) => [r.agencyId ?? 'ndrc', r.process, r.metOnTime, r.metLate, r.breached, r.open, r.failed].join(',')).sort());
  });

  it('takes this month by default, and refuses a period backwards or longer than a year with the field', async () => {
    const month = await platform.call<JsonAnswer['body']>('GET', '/reports/sla', supervisor);
    expect(month.status).toBe(200);
    expect(month.body.from.slice(8)).toBe('01');
    const backwards = await platform.call<JsonAnswer['body']>('GET', '/reports/sla?from=2026-03-10&to=2026-03-01', supervisor);
    expect(backwards).toMatchObject({ status: 400, body: { error: { code: 'invalid-input', field: 'querystring.to' } } });
    const long = await platform.call<JsonAnswer['body']>('GET', '/reports/sla?from=2024-01-01&to=2026-03-01', supervisor);
    expect(long).toMatchObject({ status: 400, body: { error: { code: 'invalid-input', field: 'querystring.to' } } });
    const person = await platform.call<JsonAnswer['body']>('GET', '/reports/sla', await platform.token('person', { person: '00000000-0000-4000-8000-000000000001' }));
    expect(person.status).toBe(403);
  });
});
