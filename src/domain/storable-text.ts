/**
 * Storable text: what no input may hold, whatever its route or format, because Postgres keeps it
 * in no text or jsonb and an input holding it would pass a schema that only asks for text, then
 * fail the statement, or the activity on every retry, that stores it: the NUL character (U+0000),
 * and a lone UTF-16 surrogate (legal in a JSON string, `"a\ud800b"`, but no character at all).
 * Nesting deeper than any input of the API has is refused with them. Checked at the door, before
 * a schema sees the input, and again below it where rows are read (bulk intake); without recursion.
 */

/** Deeper than any request the API takes (a model definition is five levels deep). */
export const MAX_DEPTH = 32;

export type TextProblem = 'nul' | 'lone-surrogate';
export type InputProblem = { path: (string | number)[]; problem: TextProblem | 'too-deep' };

/** What makes a string unstorable, if anything. */
export function textProblem(value: string): TextProblem | undefined {
  if (value.includes('\u0000')) return 'nul';
  if (!value.isWellFormed()) return 'lone-surrogate';
  return undefined;
}

/** The text with what cannot be stored replaced by U+FFFD: for echoing a refused input's name or reference back. */
export function storableEcho(value: string): string {
  return value.replaceAll('\u0000', '\ufffd').toWellFormed();
}

/** A refusal's sentence for a problem, after the field's name. */
export function describeProblem(problem: InputProblem['problem']): string {
  if (problem === 'nul') return 'must not contain the NUL character (U+0000)';
  if (problem === 'lone-surrogate') return 'must be well-formed text: it holds a lone UTF-16 surrogate (half of a character), which no database can store';
  return `is nested deeper than ${MAX_DEPTH} levels`;
}

/** Parsed data: a JSON object, or a parsed query string, whose prototype is a bare object of its own. */
function isParsedObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null || Object.getPrototypeOf(prototype) === null;
}

/**
 * The first unstorable string or key, or too deep a nesting, in a parsed JSON value (breadth
 * first; `depth` levels of nesting already spent above it). Only parsed objects and arrays are
 * entered: a streamed body (bulk intake) is checked row by row.
 */
export function inputProblem(input: unknown, depth = 0): InputProblem | undefined {
  let level: { value: unknown; path: (string | number)[] }[] = [{ value: input, path: [] }];
  for (let at = depth; level.length > 0; at++) {
    const next: typeof level = [];
    for (const { value, path } of level) {
      if (typeof value === 'string') {
        const problem = textProblem(value);
        if (problem) return { path, problem };
      } else if (Array.isArray(value) || isParsedObject(value)) {
        if (at === MAX_DEPTH) return { path, problem: 'too-deep' };
        for (const [key, item] of Object.entries(value)) {
          const problem = textProblem(key);
          if (problem) return { path: [...path, key], problem };
          next.push({ value: item, path: [...path, Array.isArray(value) ? Number(key) : key] });
        }
      }
    }
    level = next;
  }
  return undefined;
}
