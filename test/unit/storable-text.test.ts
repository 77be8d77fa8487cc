import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { inputProblem, MAX_DEPTH } from '../../src/domain/storable-text';

/** An object nested `depth` levels deep: {a: {a: ... 'leaf'}}. */
function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('Storable text: what no input may hold, at the API door and where rows are read', () => {
  it('finds the first string or key holding the NUL character, with its path', () => {
    expect(inputProblem({ a: 'fine', b: [1, 'x', { c: 'y\u0000' }] })).toEqual({ path: ['b', 2, 'c'], problem: 'nul' });
    expect(inputProblem({ ['k\u0000']: 1 })).toEqual({ path: ['k\u0000'], problem: 'nul' });
    expect(inputProblem('\u0000')).toEqual({ path: [], problem: 'nul' });
  });

  it('finds nesting deeper than any request has, without overflowing the stack at a hundred thousand levels', () => {
    expect(inputProblem(nested(MAX_DEPTH))).toBeUndefined();
    expect(inputProblem(nested(MAX_DEPTH + 1))).toMatchObject({ problem: 'too-deep' });
    expect(inputProblem(nested(100_000))).toMatchObject({ problem: 'too-deep', path: Array(MAX_DEPTH).fill('a') });
  });

  it('finds a lone surrogate, high or low, in a string or a key, and passes a whole pair (CJK Extension B)', () => {
    expect(inputProblem({ note: 'a\ud800b' })).toEqual({ path: ['note'], problem: 'lone-surrogate' });
    expect(inputProblem({ note: ['ok', 'a\udc00'] })).toEqual({ path: ['note', 1], problem: 'lone-surrogate' });
    expect(inputProblem({ ['k\udbff']: 1 })).toEqual({ path: ['k\udbff'], problem: 'lone-surrogate' });
    expect(inputProblem({ name: '𠀀𪚥 \ufffe\uffff \u202e' })).toBeUndefined();
  });

  it('counts the levels spent above a row (the array of a bulk body)', () => {
    expect(inputProblem(nested(MAX_DEPTH - 1), 1)).toBeUndefined();
    expect(inputProblem(nested(MAX_DEPTH), 1)).toMatchObject({ problem: 'too-deep' });
  });

  it('passes everything else, and leaves a streamed body alone', () => {
    expect(inputProblem({ a: 'fine', b: [1, true, null, { c: '齐鲁\\u0000' }] })).toBeUndefined();
    expect(inputProblem(undefined)).toBeUndefined();
    expect(inputProblem(Readable.from(['\u0000']))).toBeUndefined();
  });
});

describe('What no query string may hold', () => {
  it('finds the NUL character in a query string parsed as Fastify parses it', async () => {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    let found: unknown;
    app.addHook('preValidation', async (request) => {
      found = inputProblem(request.query);
    });
    app.get('/probe', async () => 'seen');
    await app.inject({ method: 'GET', url: '/probe?process=a%00b' });
    expect(found).toEqual({ path: ['process'], problem: 'nul' });
  });
});
