/** How the launcher shows its children's output: one prefixed line each, quiet by default. */

const LEVELS: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: 100,
};
const HIDDEN_FIELDS = new Set(["level", "time", "msg", "service", "pid", "hostname", "trace_id", "span_id"]);

export interface ParsedLine {
  level: number;
  levelName: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** A pino JSON line, or null for anything else (stack traces, plain text). */
export function parseLogLine(line: string): ParsedLine | null {
  if (!line.startsWith("{")) return null;
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof obj !== "object" || obj === null) return null;
  const rec = obj as Record<string, unknown>;
  const raw = rec.level;
  const levelName =
    typeof raw === "string" ? raw : (Object.keys(LEVELS).find((k) => LEVELS[k] === raw) ?? "info");
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) if (!HIDDEN_FIELDS.has(k)) fields[k] = v;
  return {
    level: LEVELS[levelName] ?? 30,
    levelName,
    msg: typeof rec.msg === "string" ? rec.msg : "",
    fields,
  };
}

export function isReadyLine(line: string): boolean {
  return parseLogLine(line)?.msg === "ready";
}

/**
 * The line to print for one line of a child's output, or null to hide it: JSON log lines from
 * `minLevel` up, and anything that is not a JSON log line (a crash's stack trace).
 */
export function displayLine(name: string, line: string, minLevel: string, width = 8): string | null {
  if (line.trim() === "") return null;
  const prefix = `${name.padEnd(width)} |`;
  const parsed = parseLogLine(line);
  if (!parsed) return minLevel === "silent" ? null : `${prefix} ${line}`;
  if (parsed.level < (LEVELS[minLevel] ?? LEVELS.warn!)) return null;
  const err = parsed.fields.err as { message?: unknown } | undefined;
  const extra = Object.entries(parsed.fields)
    .filter(([k]) => k !== "err")
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  const errText = err && typeof err.message === "string" ? ` (${err.message})` : "";
  return `${prefix} ${parsed.levelName.toUpperCase().padEnd(5)} ${parsed.msg}${errText}${extra ? `  ${extra}` : ""}`;
}
