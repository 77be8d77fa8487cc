import chineseDays from 'chinese-days';
import packageData from 'chinese-days/dist/chinese-days.json';
import { addDays, daysBetween, isWeekend, type LocalDate } from './working-days';

export interface CalendarDay {
  day: LocalDate;
  isWorkingDay: boolean;
  /** Why the day differs from an ordinary weekday or weekend, e.g. "National Day" or "make-up working day". */
  note: string | null;
}

const holidays = packageData.holidays as Record<LocalDate, string>;
const makeUpWorkdays = packageData.workdays as Record<LocalDate, string>;

/**
 * The years the platform keeps a working-day calendar for: from the measures' time back to 1990,
 * and forward as far as the lunar dates of the statutory holidays are known (2100).
 */
export const CALENDAR_YEARS = { first: 1990, last: 2100 } as const;

/** Years whose State Council holiday notice the `chinese-days` package encodes. */
export const PACKAGE_YEARS: readonly number[] = [...new Set(Object.keys(holidays).map((day) => Number(day.slice(0, 4))))].sort();

function englishName(entry: string): string {
  return entry.split(',')[0] ?? entry;
}

/**
 * A published year as the `chinese-days` package encodes the State Council's notice:
 * weekends rest, holidays rest, and the announced make-up working days (调休) work.
 * Undefined for a year the package does not cover: it would silently call such days working days.
 */
export function publishedYearFromPackage(year: number): CalendarDay[] | undefined {
  if (!PACKAGE_YEARS.includes(year)) return undefined;
  return daysBetween(`${year}-01-01`, `${year}-12-31`).map((day) => {
    const makeUp = makeUpWorkdays[day];
    if (makeUp) return { day, isWorkingDay: true, note: `make-up working day (${englishName(makeUp)})` };
    const holiday = holidays[day];
    if (holiday) return { day, isWorkingDay: false, note: englishName(holiday) };
    return { day, isWorkingDay: !isWeekend(day), note: null };
  });
}

export interface NoticeEntry {
  day: LocalDate;
  name: string;
}

/**
 * A year as a State Council notice states it: the listed holidays rest, the listed make-up
 * working days (weekend days) work, and every other day follows the week.
 */
export function yearFromNotice(year: number, holidayDays: NoticeEntry[], makeUpWorkdays: NoticeEntry[]): CalendarDay[] {
  const rest = new Map(holidayDays.map((entry) => [entry.day, entry.name]));
  const work = new Map(makeUpWorkdays.map((entry) => [entry.day, entry.name]));
  return daysBetween(`${year}-01-01`, `${year}-12-31`).map((day) => {
    const makeUp = work.get(day);
    if (makeUp) return { day, isWorkingDay: true, note: `make-up working day (${makeUp})` };
    const holiday = rest.get(day);
    if (holiday) return { day, isWorkingDay: false, note: holiday };
    return { day, isWorkingDay: !isWeekend(day), note: null };
  });
}

function solarFromLunar(year: number, month: number, day: number): LocalDate {
  const pad = (n: number) => String(n).padStart(2, '0');
  return chineseDays.getSolarDateFromLunar(`${year}-${pad(month)}-${pad(day)}`).date;
}

/**
 * The statutory public holidays of the national holiday measures as revised in 2024, without
 * the make-up days that only a yearly notice fixes: 13 days of rest, one entry each, two of them
 * on the same day in a year where two festivals meet (Mid-autumn on a day of National Day, as in
 * 2028). Used, marked provisional, for a year whose notice has not been loaded yet (DOMAIN.md
 * "The working-day calendar").
 */
export function statutoryHolidays(year: number): NoticeEntry[] {
  const springFestival = solarFromLunar(year, 1, 1);
  const entries: [LocalDate, string][] = [
    [`${year}-01-01`, "New Year's Day"],
    [addDays(springFestival, -1), 'Spring Festival'],
    [springFestival, 'Spring Festival'],
    [addDays(springFestival, 1), 'Spring Festival'],
    [addDays(springFestival, 2), 'Spring Festival'],
    [chineseDays.getSolarTermDate(year, 4, 'pure_brightness'), 'Tomb-sweeping Day'],
    [`${year}-05-01`, 'Labour Day'],
    [`${year}-05-02`, 'Labour Day'],
    [solarFromLunar(year, 5, 5), 'Dragon Boat Festival'],
    [`${year}-10-01`, 'National Day'],
    [`${year}-10-02`, 'National Day'],
    [`${year}-10-03`, 'National Day'],
    // After the fixed days, so that a festival meeting one of them is the day made up.
    [solarFromLunar(year, 8, 15), 'Mid-autumn Festival'],
  ];
  return entries.map(([day, name]) => ({ day, name }));
}

/**
 * The holiday measures' rule for a day of rest that is lost: a statutory holiday falling on a
 * Saturday or Sunday, or on a day another holiday already rests, is made up (补假) on the next
 * working day that is not a holiday or a made-up day itself.
 */
function madeUpHolidays(holidays: NoticeEntry[]): Map<LocalDate, string> {
  const rest = new Map<LocalDate, string>();
  const lost: NoticeEntry[] = [];
  for (const holiday of holidays) {
    if (isWeekend(holiday.day) || rest.has(holiday.day)) lost.push(holiday);
    else rest.set(holiday.day, holiday.name);
  }
  const taken = (day: LocalDate) => isWeekend(day) || rest.has(day) || holidays.some((holiday) => holiday.day === day);
  const madeUp = new Map<LocalDate, string>();
  for (const { day, name } of lost.sort((a, b) => (a.day < b.day ? -1 : 1))) {
    let instead = addDays(day, 1);
    while (taken(instead) || madeUp.has(instead)) instead = addDays(instead, 1);
    madeUp.set(instead, `${name} (made up for ${day})`);
  }
  return madeUp;
}

/**
 * A provisional year: weekends and statutory holidays rest, and a holiday lost to a weekend or to
 * another holiday is made up on the next working day (e.g. 1-2 May 2027 on Monday and Tuesday
 * 3-4 May; in 2028, National Day's Sunday 1 October and Mid-autumn on 3 October on 4 and 5
 * October); every other day works.
 */
export function provisionalYear(year: number): CalendarDay[] {
  const holidays = statutoryHolidays(year);
  const rest = new Map<LocalDate, string>();
  for (const { day, name } of holidays) rest.set(day, rest.has(day) ? `${rest.get(day)!}, ${name}` : name);
  const madeUp = madeUpHolidays(holidays);
  return daysBetween(`${year}-01-01`, `${year}-12-31`).map((day) => {
    const holiday = rest.get(day) ?? madeUp.get(day);
    return { day, isWorkingDay: !holiday && !isWeekend(day), note: holiday ?? null };
  });
}
