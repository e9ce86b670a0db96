/**
 * DuckDB's errors are precise but written for DuckDB users; these add what a Tenantlens analyst needs
 * to know (why files are off limits, that no data exists yet, which limit was hit).
 */
export interface ErrorContext {
  /** The workspace has no committed generation yet (empty schema). */
  noGeneration: boolean;
  memoryLimit: string;
}

export function explainDuckDbError(message: string, ctx: ErrorContext): string {
  const msg = message.trim();
  if (/^Permission Error/i.test(msg) || /disabled by configuration/i.test(msg)) {
    return `${firstLine(msg)}. Queries can read only this workspace's tables; files, extensions and settings are off limits.`;
  }
  if (/^Catalog Error: Table with name .* does not exist/i.test(msg)) {
    const hint = ctx.noGeneration
      ? "No data has been collected for this workspace yet: connect an integration and wait for its first poll."
      : "GET /api/tables (or SHOW TABLES) lists the tables of this workspace.";
    return `${msg}\n${hint}`;
  }
  if (/^Out of Memory Error/i.test(msg)) {
    return `${firstLine(msg)}. The query needs more than the memory limit of ${ctx.memoryLimit}: aggregate, filter or add a LIMIT.`;
  }
  return msg;
}

export function isInterruptError(message: string): boolean {
  return /^INTERRUPT Error/i.test(message.trim());
}

function firstLine(s: string): string {
  return (s.split("\n")[0] ?? s).replace(/[.!]$/, "");
}
