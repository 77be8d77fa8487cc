/**
 * The working-day clock (REQUIREMENTS.md "Working days"): pure date arithmetic over a calendar
 * that says which days are working days. Dates are calendar days in Asia/Shanghai, written
 * 'YYYY-MM-DD'; instants are Date objects.
 */
export type LocalDate = string;

const DAY_MS = 86_400_000;
/** China has kept UTC+8 all year, without daylight saving, since 1992. */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface WorkingDayCalendar {
  isWorkingDay(day: LocalDate): boolean;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Plain arithmetic rather than a Date round trip: bulk intake checks two dates a row. */
export function isLocalDate(value: string): value is LocalDate {
  if (!LOCAL_DATE.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month >= 1 && month <= 12 && day >= 1 && day <= DAYS_IN_MONTH[month - 1]! + (month === 2 && leap ? 1 : 0);
}

export function addDays(day: LocalDate, days: number): LocalDate {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The day some calendar months later, clamped to the month's last day as Postgres does (31 Jan + 1 month = 28/29 Feb). */
export function addCalendarMonths(day: LocalDate, months: number): LocalDate {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

export function yearOf(day: LocalDate): number {
  return Number(day.slice(0, 4));
}

/** Saturday or Sunday. */
export function isWeekend(day: LocalDate): boolean {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/** The Asia/Shanghai calendar day an instant falls on. */
export function shanghaiDayOf(instant: Date): LocalDate {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** 00:00 Asia/Shanghai at the start of a day. */
export function startOfShanghaiDay(day: LocalDate): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - SHANGHAI_OFFSET_MS);
}

/** 24:00 Asia/Shanghai at the end of a day, the moment a deadline on that day passes. */
export function endOfShanghaiDay(day: LocalDate): Date {
  return startOfShanghaiDay(addDays(day, 1));
}

/** The day a due time falls on: a due time is 24:00 of its day, which is the first instant of the next day. */
export function dueDayOf(dueAt: Date): LocalDate {
  return shanghaiDayOf(new Date(dueAt.getTime() - 1));
}

/**
 * An instant as people in Jinan read it, 'YYYY-MM-DD HH:mm' in Asia/Shanghai; midnight is written
 * 24:00 of the day that ends, as the measures count a deadline.
 */
export function shanghaiTimeOf(instant: Date): string {
  const local = new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString();
  return local.slice(11, 23) === '00:00:00.000' ? `${dueDayOf(instant)} 24:00` : `${local.slice(0, 10)} ${local.slice(11, 16)}`;
}

/**
 * The N-th working day after `from`. The day itself is not counted, whether or not it is a
 * working day (REQUIREMENTS.md: "the day of receipt/formation is not counted").
 */
export function workingDaysAfter(from: LocalDate, workingDays: number, calendar: WorkingDayCalendar): LocalDate {
  if (!Number.isInteger(workingDays) || workingDays < 1) throw new RangeError(`workingDays must be a positive integer, got ${workingDays}`);
  let day = from;
  for (let counted = 0; counted < workingDays; ) {
    day = addDays(day, 1);
    if (calendar.isWorkingDay(day)) counted += 1;
  }
  return day;
}

/** The N-th working day before `from` (the day itself not counted). */
export function workingDaysBefore(from: LocalDate, workingDays: number, calendar: WorkingDayCalendar): LocalDate {
  let day = from;
  for (let counted = 0; counted < workingDays; ) {
    day = addDays(day, -1);
    if (calendar.isWorkingDay(day)) counted += 1;
  }
  return day;
}

/**
 * Working days from `today` until a due time, negative once the due day has passed: 0 on the due
 * day itself, 1 on the working day before it. The day of `today` is not counted.
 */
export function workingDaysLeft(today: LocalDate, dueAt: Date, calendar: WorkingDayCalendar): number {
  const dueDay = dueDayOf(dueAt);
  const [from, to, sign] = dueDay >= today ? [today, dueDay, 1] : [dueDay, today, -1];
  let days = 0;
  for (let day = addDays(from, 1); day <= to; day = addDays(day, 1)) if (calendar.isWorkingDay(day)) days += 1;
  return sign * days;
}

export interface Deadline {
  /** The working day on which the deadline falls. */
  dueDay: LocalDate;
  /** 24:00 Asia/Shanghai on the due day. */
  dueAt: Date;
  /** One working day before the due time: 24:00 on the working day before the due day. */
  remindAt: Date;
}

/** A deadline of N working days from day D ends at 24:00 Asia/Shanghai on the N-th working day after D. */
export function deadlineAfter(from: LocalDate, workingDays: number, calendar: WorkingDayCalendar): Deadline {
  const dueDay = workingDaysAfter(from, workingDays, calendar);
  return {
    dueDay,
    dueAt: endOfShanghaiDay(dueDay),
    remindAt: endOfShanghaiDay(workingDaysBefore(dueDay, 1, calendar)),
  };
}

/** The calendar days from `from` to `to`, both included. */
export function daysBetween(from: LocalDate, to: LocalDate): LocalDate[] {
  const days: LocalDate[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}
