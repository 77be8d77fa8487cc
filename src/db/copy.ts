import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** A value in COPY's text format: backslash, tab and line breaks escaped; NULL as \N. */
export function copyText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  // Most values need no escape: testing first spares a copy of each.
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Streams lines of COPY text (each ending in a newline) into `table (columns)`. */
export async function copyInto(db: pg.PoolClient, table: string, columns: string, lines: string): Promise<void> {
  await pipeline(Readable.from([Buffer.from(lines, 'utf8')]), db.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)));
}
