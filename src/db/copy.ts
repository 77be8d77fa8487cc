import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A value in COPY's text format: backslash, tab and line breaks escaped; NULL as \N. */
export function copyText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** A bytea in COPY's text format (hex, its backslash escaped). */
export function copyBytea(value: Buffer): string {
  return `\\\\x${value.toString('hex')}`;
}

/** Streams lines of COPY text (each ending in a newline) into `table (columns)`. */
export async function copyInto(db: pg.PoolClient, table: string, columns: string, lines: string): Promise<void> {
  await pipeline(Readable.from([Buffer.from(lines, 'utf8')]), db.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)));
}
