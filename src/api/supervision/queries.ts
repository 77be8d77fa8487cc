import type pg from 'pg';
import { endOfShanghaiDay, startOfShanghaiDay, type LocalDate } from '../../domain/working-days';
import type { SlaFigures, SlaReport } from '../shared/sla-report';
import { csvDocument } from '../shared/csv';

// A failed process's stages stopped without being met: counted apart, never as open or breached.
const FIGURES = `count(*) FILTER (WHERE finished_at IS NOT NULL AND finished_at <= due_at)::int AS met_on_time,
         count(*) FILTER (WHERE finished_at IS NOT NULL AND finished_at > due_at)::int AS met_late,
         count(*) FILTER (WHERE finished_at IS NULL AND state = 'breached')::int AS breached,
         count(*) FILTER (WHERE finished_at IS NULL AND state NOT IN ('breached', 'failed'))::int AS open,
         count(*) FILTER (WHERE finished_at IS NULL AND state = 'failed')::int AS failed`;

type FigureColumns = { met_on_time: number; met_late: number; breached: number; open: number; failed: number };

function figures(row: FigureColumns): SlaFigures {
  return { metOnTime: row.met_on_time, metLate: row.met_late, breached: row.breached, open: row.open, failed: row.failed };
}

/**
 * The SLA stages due from `from` to `to` (Shanghai calendar days, both included), counted per
 * agency and process and per due day, set-based over sla_stages (an index-only scan of
 * sla_stages_due). A stage is due on the day its due time ends (24:00 Asia/Shanghai).
 */
export async function slaReport(pool: pg.Pool, period: { from: LocalDate; to: LocalDate }): Promise<SlaReport> {
  const range = [startOfShanghaiDay(period.from), endOfShanghaiDay(period.to)];
  const [rows, trend] = await Promise.all([
    pool.query<FigureColumns & { agency_id: string | null; process: string }>(
      `SELECT agency_id, process, ${FIGURES}
       FROM sla_stages WHERE due_at > $1 AND due_at <= $2
       GROUP BY agency_id, process ORDER BY agency_id NULLS FIRST, process`,
      range,
    ),
    // Every day of the period, those without a due stage as zeros, so the trend's axis is time.
    pool.query<FigureColumns & { day: LocalDate }>(
      `SELECT to_char(d.day, 'YYYY-MM-DD') AS day,
              coalesce(s.met_on_time, 0) AS met_on_time, coalesce(s.met_late, 0) AS met_late, coalesce(s.breached, 0) AS breached, coalesce(s.open, 0) AS open,
              coalesce(s.failed, 0) AS failed
       FROM generate_series($3::date, $4::date, interval '1 day') AS d(day)
       LEFT JOIN (
         SELECT ((due_at - interval '1 microsecond') AT TIME ZONE 'Asia/Shanghai')::date AS day, ${FIGURES}
         FROM sla_stages WHERE due_at > $1 AND due_at <= $2 GROUP BY 1
       ) s ON s.day = d.day::date
       ORDER BY d.day`,
      [...range, period.from, period.to],
    ),
  ]);
  return {
    ...period,
    rows: rows.rows.map((row) => ({ agencyId: row.agency_id, process: row.process, ...figures(row) })),
    trend: trend.rows.map((row) => ({ day: row.day, ...figures(row) })),
  };
}

const CSV_COLUMNS = ['agency', 'process', 'metOnTime', 'metLate', 'breached', 'open', 'failed'] as const;

/** The report's rows as CSV. */
export function slaReportCsv(report: SlaReport): string {
  return csvDocument(CSV_COLUMNS, report.rows.map((row) => [row.agencyId ?? 'ndrc', row.process, row.metOnTime, row.metLate, row.breached, row.open, row.failed]));
}
