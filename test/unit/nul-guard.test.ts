import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { nulPath } from '../../src/api/shared/nul-guard';

describe('the NUL character at the API door', () => {
  it('finds the first string or key holding one, with its path', () => {
    expect(nulPath({ a: 'fine', b: [1, 'x', { c: 'y\u0000' }] })).toEqual(['b', 2, 'c']);
    expect(nulPath({ ['k\u0000']: 1 })).toEqual(['k\u0000']);
    expect(nulPath('\u0000')).toEqual([]);
  });

  it('passes everything else, and leaves a streamed body alone', () => {
    expect(nulPath({ a: 'fine', b: [1, true, null, { c: '齐鲁\\u0000' }] })).toBeUndefined();
    expect(nulPath(undefined)).toBeUndefined();
    expect(nulPath(Readable.from(['\u0000']))).toBeUndefined();
  });
});
