/**
 * The `durationMs` of the last line a service logged with this message (services log one JSON
 * object per line), or undefined if none did.
 */
export function lastLoggedDuration(logs: string, msg: string): number | undefined {
  let found: number | undefined;
  for (const line of logs.split("\n")) {
    if (!line.includes(msg)) continue;
    try {
      const j = JSON.parse(line) as { msg?: unknown; durationMs?: unknown };
      if (j.msg === msg && typeof j.durationMs === "number") found = j.durationMs;
    } catch {
      // not a log line (a stack trace, a partial line)
    }
  }
  return found;
}
