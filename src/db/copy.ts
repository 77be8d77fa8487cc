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

/**
 * COPY text written straight into one growing buffer: a load of many rows never builds the large
 * string (and the garbage) that concatenating them would.
 */
export class CopyRows {
  private buffer: Buffer;
  private used = 0;

  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(expectedBytes, 256));
  }

  private reserve(bytes: number): void {
    if (this.buffer.length - this.used >= bytes) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.used + bytes));
    this.buffer.copy(grown, 0, 0, this.used);
    this.buffer = grown;
  }

  /** Appends text: whole lines, or the start of one that addFrom completes. */
  add(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    this.reserve(text.length * 3);
    this.used += this.buffer.write(text, this.used);
  }

  /** Appends the bytes [start, end) of other rows. */
  addFrom(other: CopyRows, start: number, end: number): void {
    this.reserve(end - start);
    this.used += other.buffer.copy(this.buffer, this.used, start, end);
  }

  /** Bytes written so far: where the next text starts. */
  get length(): number {
    return this.used;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.used);
  }
}

/** Streams rows of COPY text into `table (columns)`. */
export async function copyInto(db: pg.PoolClient, table: string, columns: string, rows: CopyRows): Promise<void> {
  await pipeline(Readable.from([rows.bytes()]), db.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)));
}
