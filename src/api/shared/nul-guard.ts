/**
 * Postgres keeps no NUL character (U+0000) in text or jsonb. An input holding one anywhere would
 * pass a schema that only asks for text, then fail the statement, or the activity on every retry,
 * that stores it: the API refuses it at the door instead, naming where it is.
 */

/** The path to the first string (or key) holding a NUL in a parsed JSON value, if any. */
export function nulPath(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nulPath(item, [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  // Only plain objects: a streamed body (bulk intake) is checked row by row by the record schema.
  if (value === null || typeof value !== 'object' || ![Object.prototype, null].includes(Object.getPrototypeOf(value))) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key];
    const found = nulPath(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
