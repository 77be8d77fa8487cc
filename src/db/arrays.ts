/**
 * The text form of a Postgres array whose elements need no quoting: uuids, numbers, dates, hex.
 * node-postgres escapes array elements one by one with regular expressions, which in a bulk
 * statement of ten thousand elements costs several times the join. Anything else (free text,
 * nulls) goes through node-postgres as usual.
 */
export function plainArray(values: readonly (string | number)[]): string {
  return `{${values.join(',')}}`;
}
