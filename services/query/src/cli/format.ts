/** Text renderings of query answers for a terminal. */

export interface Column {
  name: string;
  type: string;
}

const MAX_CELL = 60;

/** A psql-like aligned table with a footer that says how many rows and whether they were capped. */
export function formatTable(
  columns: readonly Column[],
  rows: ReadonlyArray<Record<string, unknown>>,
  meta: { rowCount: number; truncated: boolean },
): string {
  const cells = rows.map((r) => columns.map((c) => cell(r[c.name])));
  const widths = columns.map((c, i) => Math.max(c.name.length, ...cells.map((row) => width(row[i] ?? ""))));
  const pad = (s: string, i: number) => s + " ".repeat(Math.max(0, (widths[i] ?? 0) - width(s)));
  const lines = [
    columns.map((c, i) => pad(c.name, i)).join(" | "),
    widths.map((w) => "-".repeat(w)).join("-+-"),
    ...cells.map((row) => row.map((s, i) => pad(s, i)).join(" | ")),
  ];
  const n = meta.rowCount;
  const footer = `(${n} row${n === 1 ? "" : "s"}${meta.truncated ? ", truncated: raise --max-rows or add a LIMIT" : ""})`;
  return `${lines.map((l) => l.trimEnd()).join("\n")}\n${footer}\n`;
}

/** One cell: NULL for null, JSON for nested values, control characters escaped, long text cut. */
export function cell(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) s = "NULL";
  else if (typeof v === "object") s = JSON.stringify(v);
  else s = String(v);
  s = s.replace(/\r/g, "\\r").replace(/\n/g, "\\n").replace(/\t/g, "\\t");
  return [...s].length > MAX_CELL ? `${[...s].slice(0, MAX_CELL - 1).join("")}…` : s;
}

function width(s: string): number {
  return [...s].length;
}

export function formatTables(
  tables: ReadonlyArray<{
    name: string;
    description: string;
    columns: ReadonlyArray<{ name: string; type: string; description: string }>;
  }>,
): string {
  return tables
    .map((t) => {
      const head = t.description ? `${t.name} — ${t.description}` : t.name;
      const nameW = Math.max(0, ...t.columns.map((c) => c.name.length));
      const typeW = Math.max(0, ...t.columns.map((c) => c.type.length));
      const cols = t.columns.map((c) =>
        `  ${c.name.padEnd(nameW)}  ${c.type.padEnd(typeW)}  ${c.description}`.trimEnd(),
      );
      return [head, ...cols].join("\n");
    })
    .join("\n\n")
    .concat("\n");
}
