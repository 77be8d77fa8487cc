import type pg from 'pg';

export interface CalendarYearView {
  year: number;
  published: boolean;
  days: { day: string; isWorkingDay: boolean; source: string; note: string | null }[];
}

export async function calendarYear(pool: pg.Pool, year: number): Promise<CalendarYearView> {
  const [published, days] = await Promise.all([
    pool.query('SELECT 1 FROM calendar_years WHERE year = $1', [year]),
    pool.query<{ day: string; is_working_day: boolean; source: string; note: string | null }>(
      `SELECT day, is_working_day, source, note FROM calendar_days
       WHERE day BETWEEN make_date($1, 1, 1) AND make_date($1, 12, 31) ORDER BY day`,
      [year],
    ),
  ]);
  return {
    year,
    published: (published.rowCount ?? 0) > 0,
    days: days.rows.map((row) => ({ day: row.day, isWorkingDay: row.is_working_day, source: row.source, note: row.note })),
  };
}
