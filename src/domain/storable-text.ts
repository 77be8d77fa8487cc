/**
 * What no request may hold, whatever its route: the NUL character (U+0000), which Postgres keeps
 * in no text or jsonb (an input holding one would pass a schema that only asks for text, then fail
 * the statement, or the activity on every retry, that stores it), and nesting deeper than any
 * request of the API has. Checked at the door, before a schema sees the input, without recursion.
 */

/** Deeper than any request the API takes (a model definition is five levels deep). */
export const MAX_DEPTH = 32;

export type InputProblem = { path: (string | number)[]; problem: 'nul' | 'too-deep' };

/** Parsed data: a JSON object, or a parsed query string, whose prototype is a bare object of its own. */
function isParsedObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null || Object.getPrototypeOf(prototype) === null;
}

/**
 * The first NUL (in a string or a key) or too deep a nesting in a parsed JSON value, breadth first.
 * Only parsed objects and arrays are entered: a streamed body (bulk intake) is checked row by row.
 */
export function inputProblem(input: unknown): InputProblem | undefined {
  let level: { value: unknown; path: (string | number)[] }[] = [{ value: input, path: [] }];
  for (let depth = 0; level.length > 0; depth++) {
    const next: typeof level = [];
    for (const { value, path } of level) {
      if (typeof value === 'string') {
        if (value.includes('\u0000')) return { path, problem: 'nul' };
      } else if (Array.isArray(value) || isParsedObject(value)) {
        if (depth === MAX_DEPTH) return { path, problem: 'too-deep' };
        for (const [key, item] of Object.entries(value)) {
          if (key.includes('\u0000')) return { path: [...path, key], problem: 'nul' };
          next.push({ value: item, path: [...path, Array.isArray(value) ? Number(key) : key] });
        }
      }
    }
    level = next;
  }
  return undefined;
}
