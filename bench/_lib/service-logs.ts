/**
 * The `durationMs` of the line a service logged with this message and these field values (services
 * log one JSON object per line); the last such line if several, undefined if none.
 */
export function loggedDuration(
  logs: string,
  msg: string,
  fields: Record<string, unknown> = {},
): number | undefined {
  let found: number | undefined;
  for (const line of logs.split("\n")) {
    if (!line.includes(msg)) continue;
    try {
      const j = JSON.parse(line) as Record<string, unknown>;
      const matches = j.msg === msg && Object.entries(fields).every(([k, v]) => j[k] === v);
      if (matches && typeof j.durationMs === "number") found = j.durationMs;
    } catch {
      // not a log line (a stack trace, a partial line)
    }
  }
  return found;
}
