import { z } from 'zod';
import { isLocalDate, shanghaiDayOf } from './working-days';

/**
 * Building blocks of every input schema: what Postgres can store and the working-day calendar
 * can count, checked where input arrives, so nothing accepted fails later where no one can answer.
 */

/**
 * The days a clock can start from: the official calendar's lunar holidays are known from 1900 to
 * 2100, and a deadline reaches into the next two years.
 */
export const FIRST_COUNTABLE_DAY = '1900-01-01';
export const LAST_COUNTABLE_DAY = '2098-12-31';

export function isCountableDay(value: string): boolean {
  return isLocalDate(value) && value >= FIRST_COUNTABLE_DAY && value <= LAST_COUNTABLE_DAY;
}

export const calendarDateSchema = z
  .string()
  .refine(isCountableDay, `must be a calendar date YYYY-MM-DD from ${FIRST_COUNTABLE_DAY} to ${LAST_COUNTABLE_DAY}`)
  .meta({ format: 'date' });

/**
 * A day something happened: a calendar date no later than today in Jinan. Information formed, an
 * honour awarded, an objection received are facts, never announced ahead (issue 26 item 3).
 */
export const pastDateSchema = calendarDateSchema.refine((day) => day <= shanghaiDayOf(new Date()), 'must not be in the future');

/** Postgres keeps time zone offsets up to 15:59, and years from 4713 BC; the platform takes 1900 to 2098. */
function isStorableInstant(value: string): boolean {
  const offset = /([+-])(\d{2}):?(\d{2})$/.exec(value);
  if (offset && Number(offset[2]) > 15) return false;
  const instant = new Date(value);
  return !Number.isNaN(instant.getTime()) && instant.getUTCFullYear() >= 1900 && instant.getUTCFullYear() <= 2098;
}

export const timestampSchema = z.iso
  .datetime({ offset: true })
  .refine(isStorableInstant, 'must be a time from 1900 to 2098 with a time zone offset of at most 15:59');

/**
 * Postgres keeps no NUL character (U+0000) in text or jsonb: free text holding one is refused,
 * naming its field, instead of failing the statement that stores it. One pattern check rather
 * than length bounds and a refinement (bulk intake checks a million rows a batch).
 */
export function freeText(max: number, min = 1) {
  return z.string().regex(freeTextPattern(max, min), `must be ${min}-${max} characters, without the NUL character (U+0000)`);
}

/** The pattern of free text of `min` to `max` characters. */
export function freeTextPattern(max: number, min = 1): RegExp {
  return new RegExp(`^[^\\u0000]{${min},${max}}$`);
}
