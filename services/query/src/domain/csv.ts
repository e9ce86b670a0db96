/** CSV (RFC 4180) and NDJSON encodings of JSON rows, for downloads. Nested values are written as JSON. */

export function csvHeader(columns: readonly string[]): string {
  return `${columns.map(csvField).join(",")}\r\n`;
}

export function csvRow(columns: readonly string[], row: Readonly<Record<string, unknown>>): string {
  return `${columns.map((c) => csvField(row[c])).join(",")}\r\n`;
}

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function ndjsonRow(row: Readonly<Record<string, unknown>>): string {
  return `${JSON.stringify(row)}\n`;
}
