import { PACKAGE_YEARS, provisionalYear, publishedYearFromPackage, type CalendarDay } from '../domain/official-calendar';
import { yearOf, type LocalDate, type WorkingDayCalendar } from '../domain/working-days';
import type { Queryable } from './pool';

/**
 * The calendar of some years as Postgres holds it. A day of a year whose notice is not loaded
 * falls back to the provisional rules, and the calendar remembers that it did, so a deadline
 * computed from it is marked provisional (DOMAIN.md "The working-day calendar").
 */
export class StoredCalendar implements WorkingDayCalendar {
  private provisionalUsed = false;
  private readonly provisional = new Map<number, Map<LocalDate, boolean>>();

  constructor(
    private readonly days: Map<LocalDate, boolean>,
    private readonly publishedYears: Set<number>,
  ) {}

  isWorkingDay(day: LocalDate): boolean {
    const stored = this.days.get(day);
    const year = yearOf(day);
    if (!this.publishedYears.has(year)) this.provisionalUsed = true;
    if (stored !== undefined) return stored;
    let rules = this.provisional.get(year);
    if (!rules) {
      rules = new Map(provisionalYear(year).map((d) => [d.day, d.isWorkingDay]));
      this.provisional.set(year, rules);
    }
    return rules.get(day)!;
  }

  /** Whether any day looked at so far lay in a year whose notice is not loaded. */
  get usedProvisionalDays(): boolean {
    return this.provisionalUsed;
  }
}

/** Loads the stored days of `years` (a deadline reaches at most into the next year or two). */
export async function loadCalendar(db: Queryable, years: number[]): Promise<StoredCalendar> {
  const [days, published] = await Promise.all([
    db.query<{ day: LocalDate; is_working_day: boolean }>(
      // Per year a range of the primary key, not a scan of every stored day.
      `SELECT day, is_working_day FROM calendar_days d JOIN unnest($1::int[]) AS y (year)
         ON d.day >= make_date(y.year, 1, 1) AND d.day < make_date(y.year + 1, 1, 1)`,
      [years],
    ),
    db.query<{ year: number }>('SELECT year FROM calendar_years WHERE year = ANY($1::int[])', [years]),
  ]);
  return new StoredCalendar(
    new Map(days.rows.map((row) => [row.day, row.is_working_day])),
    new Set(published.rows.map((row) => row.year)),
  );
}

/** Writes a whole published year; a day an admin corrected before is overwritten by the notice. */
export async function writeCalendarYear(db: Queryable, year: number, days: CalendarDay[], source: string, loadedBy: string): Promise<void> {
  await db.query(
    `INSERT INTO calendar_days (day, is_working_day, source, note)
     SELECT * FROM unnest($1::date[], $2::boolean[], $3::text[], $4::text[])
     ON CONFLICT (day) DO UPDATE SET is_working_day = EXCLUDED.is_working_day, source = EXCLUDED.source,
       note = EXCLUDED.note, updated_at = now()`,
    [days.map((d) => d.day), days.map((d) => d.isWorkingDay), days.map(() => 'state-council'), days.map((d) => d.note)],
  );
  await db.query(
    `INSERT INTO calendar_years (year, source, loaded_by) VALUES ($1, $2, $3)
     ON CONFLICT (year) DO UPDATE SET source = EXCLUDED.source, loaded_by = EXCLUDED.loaded_by, loaded_at = now()`,
    [year, source, loadedBy],
  );
}

/** Corrects single days, as when the State Council changes a year's arrangements mid-year. */
export async function correctCalendarDays(db: Queryable, days: CalendarDay[]): Promise<void> {
  await db.query(
    `INSERT INTO calendar_days (day, is_working_day, source, note)
     SELECT d, w, 'admin-correction', n FROM unnest($1::date[], $2::boolean[], $3::text[]) AS t(d, w, n)
     ON CONFLICT (day) DO UPDATE SET is_working_day = EXCLUDED.is_working_day, source = EXCLUDED.source,
       note = EXCLUDED.note, updated_at = now()`,
    [days.map((d) => d.day), days.map((d) => d.isWorkingDay), days.map((d) => d.note)],
  );
}

/** Loads every year the `chinese-days` package covers that is not loaded yet: the first start's seed. */
export async function seedPackageYears(db: Queryable, loadedBy: string): Promise<number[]> {
  const loaded = await db.query<{ year: number }>('SELECT year FROM calendar_years');
  const have = new Set(loaded.rows.map((row) => row.year));
  const missing = PACKAGE_YEARS.filter((year) => !have.has(year));
  for (const year of missing) await writeCalendarYear(db, year, publishedYearFromPackage(year)!, 'chinese-days package', loadedBy);
  return missing;
}
