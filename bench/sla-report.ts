/**
 * `npm run bench:sla-report [-- --stages N]` (a million by default): the supervisors' SLA report
 * (`GET /reports/sla`, the board's figures) over N stages due across a year, for one month and for
 * the whole year, through the API on the local stack started here, against a bare count of the same
 * month's stages in the same run. Prints the time of each (the median of five) and their ratio.
 */
import { parseArgs } from 'node:util';
import { benchStack, report } from './support';

const { values } = parseArgs({ options: { stages: { type: 'string', default: '1000000' } } });
const STAGES = Number(values.stages);

const { stack, sign, close } = await benchStack('sla-report');
try {
  const { pool } = stack;
  const seeding = performance.now();
  await pool.query(
    `INSERT INTO sla_stages (stage_key, workflow_id, process, stage, article, agency_id, responsible, start_day, working_days, started_at, due_at, remind_at, provisional, state, breached_at, finished_at)
     SELECT gen_random_uuid(), 'bench/' || i, (ARRAY['record-sharing', 'objection', 'repair', 'declaration'])[1 + i % 4], 'stage', 'Art. 10',
            'bench-agency-' || (i / 4) % 40, 'agency', '2025-01-01', 5, due - interval '7 days', due, due - interval '1 day', false,
            CASE i % 7 WHEN 0 THEN 'met' WHEN 1 THEN 'breached' WHEN 2 THEN 'breached' WHEN 3 THEN 'due-soon' ELSE 'on-track' END,
            CASE WHEN i % 7 IN (1, 2) THEN due END,
            CASE i % 7 WHEN 0 THEN due - interval '2 hours' WHEN 1 THEN due + interval '3 hours' WHEN 5 THEN due - interval '1 day' END
     FROM generate_series(1, $1::int) AS i, LATERAL (SELECT timestamptz '2025-01-01 00:00:00+08' + (i * (interval '365 days' / $1::int)) AS due) d`,
    [STAGES],
  );
  await pool.query('VACUUM ANALYZE sla_stages');
  report('seeded', `${STAGES.toLocaleString('en')} stages due across 2025 in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

  const supervisor = await sign({ role: 'supervisor' });
  const median = async (run: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await run();
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[2]!;
  };
  const reportOf = (from: string, to: string) => async () => {
    const response = await fetch(`${stack.apiUrl}/reports/sla?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${supervisor}` } });
    if (!response.ok) throw new Error(`GET /reports/sla: ${response.status}`);
    return response.json();
  };
  const bare = await median(() => pool.query(`SELECT count(*) FROM sla_stages WHERE due_at > '2025-05-31 16:00:00+00' AND due_at <= '2025-06-30 16:00:00+00'`));
  const month = await median(reportOf('2025-06-01', '2025-06-30'));
  const year = await median(reportOf('2025-01-01', '2025-12-31'));
  report('bare count of June', `${bare.toFixed(1)} ms`);
  report('GET /reports/sla, June', `${month.toFixed(1)} ms (${(month / bare).toFixed(1)}x the bare count)`);
  report('GET /reports/sla, all of 2025', `${year.toFixed(1)} ms`);
} finally {
  await close();
}
