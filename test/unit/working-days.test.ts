import { describe, expect, it } from 'vitest';
import { provisionalYear, publishedYearFromPackage, statutoryHolidays, yearFromNotice } from '../../src/domain/official-calendar';
import {
  deadlineAfter,
  dueDayOf,
  endOfShanghaiDay,
  shanghaiDayOf,
  shanghaiTimeOf,
  workingDaysAfter,
  workingDaysBefore,
  type WorkingDayCalendar,
} from '../../src/domain/working-days';

function calendarOf(...years: number[]): WorkingDayCalendar {
  const days = new Map(years.flatMap((year) => publishedYearFromPackage(year)!.map((d) => [d.day, d.isWorkingDay] as const)));
  return { isWorkingDay: (day) => days.get(day)! };
}

const cal2026 = calendarOf(2025, 2026);

describe('Working days: the 2026 official calendar', () => {
  it('rests over the Spring Festival (15-23 Feb) and works the make-up Saturdays 14 and 28 Feb', () => {
    const days = new Map(publishedYearFromPackage(2026)!.map((d) => [d.day, d.isWorkingDay]));
    expect(['2026-02-15', '2026-02-16', '2026-02-17', '2026-02-20', '2026-02-23'].map((d) => days.get(d))).toEqual([false, false, false, false, false]);
    expect(days.get('2026-02-14')).toBe(true);
    expect(days.get('2026-02-28')).toBe(true);
    expect(days.get('2026-02-24')).toBe(true);
  });

  it('rests over National Day (1-7 Oct) and works the make-up days Sunday 20 Sep and Saturday 10 Oct', () => {
    const days = new Map(publishedYearFromPackage(2026)!.map((d) => [d.day, d.isWorkingDay]));
    expect(['2026-10-01', '2026-10-04', '2026-10-07'].map((d) => days.get(d))).toEqual([false, false, false]);
    expect(days.get('2026-09-20')).toBe(true);
    expect(days.get('2026-10-10')).toBe(true);
    expect(days.get('2026-10-11')).toBe(false);
  });

  it('does not count the day of receipt itself', () => {
    expect(workingDaysAfter('2026-03-02', 1, cal2026)).toBe('2026-03-03');
    expect(workingDaysAfter('2026-10-03', 1, cal2026)).toBe('2026-10-08');
  });

  it('counts 3 working days from 30 Sep across National Day to the make-up Saturday 10 Oct', () => {
    expect(workingDaysAfter('2026-09-30', 3, cal2026)).toBe('2026-10-10');
  });

  it('counts 7 working days from 30 Sep to Thursday 15 Oct (Art. 10 sharing deadline)', () => {
    expect(workingDaysAfter('2026-09-30', 7, cal2026)).toBe('2026-10-15');
  });

  it('counts the make-up Saturday before the Spring Festival and resumes on 24 Feb', () => {
    expect(workingDaysAfter('2026-02-13', 1, cal2026)).toBe('2026-02-14');
    expect(workingDaysAfter('2026-02-13', 2, cal2026)).toBe('2026-02-24');
    expect(workingDaysAfter('2026-02-12', 5, cal2026)).toBe('2026-02-26');
    expect(workingDaysAfter('2026-02-27', 1, cal2026)).toBe('2026-02-28');
  });

  it('counts backwards over a holiday', () => {
    expect(workingDaysBefore('2026-10-08', 1, cal2026)).toBe('2026-09-30');
    expect(workingDaysBefore('2026-02-24', 1, cal2026)).toBe('2026-02-14');
  });

  it('ends a deadline at 24:00 Asia/Shanghai on the due day and reminds at the end of the working day before', () => {
    const deadline = deadlineAfter('2026-09-30', 3, cal2026);
    expect(deadline.dueDay).toBe('2026-10-10');
    expect(deadline.dueAt.toISOString()).toBe('2026-10-10T16:00:00.000Z');
    expect(deadline.remindAt.toISOString()).toBe('2026-10-09T16:00:00.000Z');
  });

  it('refuses a non-positive number of working days', () => {
    expect(() => workingDaysAfter('2026-03-02', 0, cal2026)).toThrow(RangeError);
  });
});

describe('Working days: Asia/Shanghai days', () => {
  it('places an instant on its Shanghai calendar day', () => {
    expect(shanghaiDayOf(new Date('2026-09-30T15:59:59Z'))).toBe('2026-09-30');
    expect(shanghaiDayOf(new Date('2026-09-30T16:00:00Z'))).toBe('2026-10-01');
    expect(endOfShanghaiDay('2026-12-31').toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });

  it('writes a due time as 24:00 of its due day, and any other instant as the Shanghai day and time', () => {
    expect(dueDayOf(new Date('2026-10-13T16:00:00Z'))).toBe('2026-10-13');
    expect(shanghaiTimeOf(new Date('2026-10-13T16:00:00Z'))).toBe('2026-10-13 24:00');
    expect(shanghaiTimeOf(new Date('2026-10-13T16:00:01Z'))).toBe('2026-10-14 00:00');
    expect(shanghaiTimeOf(new Date('2026-10-13T02:30:00Z'))).toBe('2026-10-13 10:30');
  });
});

describe('Working days: years without a loaded notice', () => {
  it('knows no notice beyond 2026 in the package', () => {
    expect(publishedYearFromPackage(2027)).toBeUndefined();
  });

  it('rests on the 13 statutory holidays of 2027 (lunar dates converted) and works no make-up working days', () => {
    const holidays = statutoryHolidays(2027);
    expect(holidays.length).toBe(13);
    expect(holidays.map((holiday) => holiday.day)).toEqual(
      expect.arrayContaining(['2027-01-01', '2027-02-05', '2027-02-06', '2027-02-08', '2027-04-05', '2027-05-02', '2027-06-09', '2027-09-15', '2027-10-03']),
    );
    const days = new Map(provisionalYear(2027).map((d) => [d.day, d.isWorkingDay]));
    expect(days.get('2027-01-01')).toBe(false);
    expect(days.get('2027-01-04')).toBe(true);
    expect(days.get('2027-01-02')).toBe(false);
  });

  it('makes up a statutory holiday falling on a weekend on the next working day: 1-2 May 2027 on 3-4 May, New Year 2028 on 3 January', () => {
    const days = new Map(provisionalYear(2027).map((d) => [d.day, d]));
    expect(days.get('2027-05-03')).toMatchObject({ isWorkingDay: false, note: 'Labour Day (made up for 2027-05-01)' });
    expect(days.get('2027-05-04')).toMatchObject({ isWorkingDay: false, note: 'Labour Day (made up for 2027-05-02)' });
    expect(days.get('2027-05-05')).toMatchObject({ isWorkingDay: true });
    // Spring Festival 2027: eve Friday 5 Feb, then Saturday to Monday; the weekend days are made up on Tuesday and Wednesday.
    expect(['2027-02-09', '2027-02-10', '2027-02-11'].map((day) => days.get(day)!.isWorkingDay)).toEqual([false, false, true]);
    expect(provisionalYear(2028).find((d) => d.day === '2028-01-03')).toMatchObject({ isWorkingDay: false, note: "New Year's Day (made up for 2028-01-01)" });
  });

  it('makes up a festival that falls on another holiday: Mid-autumn 2028 on National Day\'s 3 October, Mid-autumn 2031 on 1 October', () => {
    // 2028: 1 October is a Sunday and Mid-autumn falls on 3 October: two days lost, made up on 4 and 5 October.
    const days2028 = new Map(provisionalYear(2028).map((d) => [d.day, d]));
    expect(days2028.get('2028-10-03')).toMatchObject({ isWorkingDay: false, note: 'National Day, Mid-autumn Festival' });
    expect(days2028.get('2028-10-04')).toMatchObject({ isWorkingDay: false, note: 'National Day (made up for 2028-10-01)' });
    expect(days2028.get('2028-10-05')).toMatchObject({ isWorkingDay: false, note: 'Mid-autumn Festival (made up for 2028-10-03)' });
    expect(days2028.get('2028-10-06')).toMatchObject({ isWorkingDay: true });
    // 2031: 1 October is a Wednesday; 4-5 October a weekend, so the lost day rests on Monday 6 October.
    const days2031 = new Map(provisionalYear(2031).map((d) => [d.day, d]));
    expect(['2031-10-01', '2031-10-02', '2031-10-03', '2031-10-06', '2031-10-07'].map((day) => days2031.get(day)!.isWorkingDay)).toEqual([false, false, false, false, true]);
    // Every year keeps its 13 weekdays of rest, whatever meets a weekend or another holiday.
    for (const year of [2027, 2028, 2031, 2039, 2058]) {
      const rest = provisionalYear(year).filter((d) => !d.isWorkingDay && !['Sat', 'Sun'].includes(new Date(`${d.day}T12:00:00Z`).toUTCString().slice(0, 3)));
      expect({ year, rest: rest.length }).toEqual({ year, rest: 13 });
    }
  });

  it('builds a year from a notice: listed holidays rest, listed weekend days work', () => {
    const days = new Map(
      yearFromNotice(2027, [{ day: '2027-01-01', name: "New Year's Day" }], [{ day: '2027-01-02', name: "New Year's Day" }]).map((d) => [
        d.day,
        d.isWorkingDay,
      ]),
    );
    expect(days.size).toBe(365);
    expect(days.get('2027-01-01')).toBe(false);
    expect(days.get('2027-01-02')).toBe(true);
    expect(days.get('2027-01-03')).toBe(false);
  });
});
