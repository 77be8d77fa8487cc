import { describe, expect, it } from 'vitest';
import { BatchTooLarge, ndjsonChunks } from '../../src/api/bulk-intake/staging';

async function* pieces(...parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

async function chunksOf(text: AsyncIterable<Buffer>, rowsPerChunk: number, maxRows = 1_000) {
  const chunks: { rows: number; body: string }[] = [];
  for await (const chunk of ndjsonChunks(text, rowsPerChunk, maxRows)) chunks.push({ rows: chunk.rows, body: chunk.body.toString() });
  return chunks;
}

describe('Art. 10 bulk intake: a request body cut into chunks of rows', () => {
  it('cuts at line ends however the body arrives, lines split across pieces included', async () => {
    expect(await chunksOf(pieces('{"a":1}\n{"a"', ':2}\n{"a":3}\n{', '"a":4}'), 2)).toEqual([
      { rows: 2, body: '{"a":1}\n{"a":2}\n' },
      { rows: 2, body: '{"a":3}\n{"a":4}' },
    ]);
  });

  it('does not count blank lines (spaces, tabs, CRLF ends) as rows, and passes the rows through byte for byte', async () => {
    const chunks = await chunksOf(pieces('{"a":1}\r\n\r\n  \t\n{"a":2}\r\n', '\n', '   '), 1);
    expect(chunks.map((c) => c.rows)).toEqual([1, 1]);
    // Blank lines after the last row go nowhere.
    expect(chunks.map((c) => c.body).join('')).toBe('{"a":1}\r\n\r\n  \t\n{"a":2}\r\n');
  });

  it('counts a last line without a newline, and a line whose content begins in a later piece', async () => {
    expect((await chunksOf(pieces('  ', '  x\n', 'y'), 10)).map((c) => c.rows)).toEqual([2]);
  });

  it('refuses a batch of more rows than allowed', async () => {
    await expect(chunksOf(pieces('1\n2\n3\n'), 10, 2)).rejects.toBeInstanceOf(BatchTooLarge);
  });

  it('gives no chunk for a body of blank lines', async () => {
    expect(await chunksOf(pieces('\n \n\r\n'), 10)).toEqual([]);
  });
});
