import type pg from 'pg';
import { provisionalYear } from '../../domain/official-calendar';

export interface CalendarDayView {
  day: string;
  isWorkingDay: boolean;
  /** `state-council` (a loaded notice), `admin-correction`, or `provisional` (the rules a year without its notice is counted on). */
  source: string;
  note: string | null;
}

export interface CalendarYearView {
  year: number;
  published: boolean;
  days: CalendarDayView[];
}

/**
 * A year as the platform counts deadlines in it: a published year's stored days; for a year
 * whose notice is not loaded, the provisional days (DOMAIN.md), but for days an admin corrected.
 */
export async function calendarYear(pool: pg.Pool, year: number): Promise<CalendarYearView> {
  const [published, days] = await Promise.all([
    pool.query('SELECT 1 FROM calendar_years WHERE year = $1', [year]),
    pool.query<{ day: string; is_working_day: boolean; source: string; note: string | null }>(
      `SELECT day, is_working_day, source, note FROM calendar_days
       WHERE day BETWEEN make_date($1, 1, 1) AND make_date($1, 12, 31) ORDER BY day`,
      [year],
    ),
  ]);
  const stored = new Map(days.rows.map((row) => [row.day, { day: row.day, isWorkingDay: row.is_working_day, source: row.source, note: row.note }]));
  if ((published.rowCount ?? 0) > 0) return { year, published: true, days: [...stored.values()] };
  return { year, published: false, days: provisionalYear(year).map((day) => stored.get(day.day) ?? { ...day, source: 'provisional' }) };
}
