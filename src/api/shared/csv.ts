/** A cell as RFC 4180 wants it, and never read as a formula by a spreadsheet. */
function csvCell(value: string | number): string {
  const text = typeof value === 'number' ? String(value) : /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows under their header as CSV, with a byte-order mark so that spreadsheets read the UTF-8. */
export function csvDocument(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const lines = [header.map(csvCell).join(','), ...rows.map((row) => row.map(csvCell).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
