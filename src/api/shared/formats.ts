import { z } from 'zod';

/** A calendar day in an answer, YYYY-MM-DD, documented as such (format: date). */
export const dayView = z.string().meta({ format: 'date' });

/** An instant in an answer, ISO 8601 in UTC, documented as such (format: date-time). */
export const instantView = z.string().meta({ format: 'date-time' });
