import { readFile } from "node:fs/promises";
import { type Command, type OutputFormat, parseCommand, USAGE, UsageError } from "./args.js";
import { type ApiTarget, CliFailure, call, type Fetch } from "./client.js";
import { type Column, formatTable, formatTables } from "./format.js";

export interface CliIo {
  stdout: { write(s: string | Uint8Array): unknown };
  stderr: { write(s: string): unknown };
  /** Reads all of stdin (for `query -` or piped SQL); null when stdin is a terminal. */
  readStdin(): Promise<string | null>;
  fetch?: Fetch;
}

/** `tenantlens …`: returns the exit code (0 ok, 1 refused/failed, 2 usage, 3 unreachable). */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo = processIo(),
): Promise<number> {
  let cmd: Command;
  try {
    cmd = parseCommand(argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`tenantlens: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  try {
    switch (cmd.kind) {
      case "help":
        io.stdout.write(`${USAGE}\n`);
        return 0;
      case "tables":
        await tables(cmd, io);
        return 0;
      case "query":
        return await query(cmd, io);
      case "list":
        await list(cmd, io);
        return 0;
      case "reseal":
        await reseal(cmd, io);
        return 0;
      case "operator":
        await operator(cmd, io);
        return 0;
      case "provision":
        return await provision(cmd, io);
      case "provisioning-ops":
        await provisioningOps(cmd, io);
        return 0;
      case "connect":
        await connect(cmd, io);
        return 0;
    }
  } catch (err) {
    if (err instanceof CliFailure) {
      io.stderr.write(`tenantlens: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

async function query(cmd: Extract<Command, { kind: "query" }>, io: CliIo): Promise<number> {
  const sql = cmd.sql ?? (await io.readStdin())?.trim() ?? "";
  if (sql === "") {
    io.stderr.write(`tenantlens: no SQL given\n\n${USAGE}\n`);
    return 2;
  }
  const target: ApiTarget = { url: cmd.url, key: cmd.key };
  const body = {
    sql,
    ...(cmd.maxRows ? { maxRows: cmd.maxRows } : {}),
    ...(cmd.timeoutMs ? { timeoutMs: cmd.timeoutMs } : {}),
  };
  if (cmd.format === "csv") {
    // The server renders CSV itself (same quoting as downloads), so it is passed through as is.
    const res = await call(target, "/api/query", { method: "POST", body, accept: "text/csv" }, io.fetch);
    io.stdout.write(new Uint8Array(await res.arrayBuffer()));
    if (res.headers.get("x-truncated") === "true") {
      io.stderr.write(`tenantlens: truncated at ${res.headers.get("x-row-count")} rows\n`);
    }
    return 0;
  }
  const res = await call(target, "/api/query", { method: "POST", body }, io.fetch);
  const answer = (await res.json()) as {
    columns: Column[];
    rows: Array<Record<string, unknown>>;
    rowCount: number;
    truncated: boolean;
    durationMs: number;
  };
  io.stdout.write(
    cmd.format === "json"
      ? `${JSON.stringify(answer, null, 2)}\n`
      : formatTable(answer.columns, answer.rows, answer),
  );
  return 0;
}

async function tables(cmd: Extract<Command, { kind: "tables" }>, io: CliIo): Promise<void> {
  const res = await call({ url: cmd.url, key: cmd.key }, "/api/tables", { method: "GET" }, io.fetch);
  const body = (await res.json()) as {
    tables: Array<{
      name: string;
      description: string;
      columns: Array<{ name: string; type: string; description: string }>;
    }>;
  };
  if (cmd.format === "json") io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  else if (cmd.format === "csv") {
    io.stdout.write("table,column,type,description\r\n");
    for (const t of body.tables) {
      for (const c of t.columns)
        io.stdout.write(`${[t.name, c.name, c.type, c.description].map(csv).join(",")}\r\n`);
    }
  } else io.stdout.write(formatTables(body.tables));
}

interface Listing {
  path: string;
  columns: string[];
  rows(body: never): Array<Record<string, unknown>>;
}

/** What each list command prints: the REST path and one row per item. */
const LISTINGS: Record<Extract<Command, { kind: "list" }>["what"], Listing> = {
  rules: {
    path: "/api/rules",
    columns: ["id", "severity", "title", "packs", "enabled", "status"],
    rows: (body: {
      rules: Array<{
        id: string;
        severity: string;
        title: string;
        packs: string[];
        enabled: boolean;
        statuses: Array<{ status: string; violationCount: number }>;
      }>;
    }) =>
      body.rules.map((r) => ({
        ...r,
        packs: r.packs.join(","),
        status: r.statuses.map((s) => `${s.status} (${s.violationCount})`).join(", "),
      })),
  },
  violations: {
    path: "/api/violations",
    columns: ["severity", "rule", "resource", "name", "state", "first_seen"],
    rows: (body: {
      violations: Array<{
        severity: string;
        ruleId: string;
        resourceId: string;
        displayName: string | null;
        state: string;
        firstSeenAt: string;
      }>;
    }) =>
      body.violations.map((v) => ({
        severity: v.severity,
        rule: v.ruleId,
        resource: v.resourceId,
        name: v.displayName,
        state: v.state,
        first_seen: v.firstSeenAt,
      })),
  },
  workspaces: {
    path: "/api/workspaces",
    columns: ["id", "name", "status", "keys", "integrations", "deleted_at", "awaiting"],
    rows: (body: { workspaces: WorkspaceRow[] }) => body.workspaces.map(workspaceRow),
  },
  packs: {
    path: "/api/packs",
    columns: ["pack", "title", "integration", "score", "passing", "failing"],
    rows: (body: {
      packs: Array<{
        packId: string;
        title: string;
        scores: Array<{ integrationId: string; score: number; passing: number; failing: number }>;
      }>;
    }) =>
      body.packs.flatMap((p) =>
        p.scores.length === 0
          ? [{ pack: p.packId, title: p.title }]
          : p.scores.map((s) => ({ pack: p.packId, title: p.title, integration: s.integrationId, ...s })),
      ),
  },
};

async function list(cmd: Extract<Command, { kind: "list" }>, io: CliIo): Promise<void> {
  const listing = LISTINGS[cmd.what];
  const qs = new URLSearchParams(cmd.params).toString();
  const res = await call(
    { url: cmd.url, key: cmd.key },
    `${listing.path}${qs ? `?${qs}` : ""}`,
    { method: "GET" },
    io.fetch,
  );
  const body = (await res.json()) as never;
  if (cmd.format === "json") {
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  const rows = listing.rows(body);
  if (cmd.format === "csv") {
    io.stdout.write(`${listing.columns.join(",")}\r\n`);
    for (const r of rows)
      io.stdout.write(`${listing.columns.map((c) => csv(String(r[c] ?? ""))).join(",")}\r\n`);
    return;
  }
  const columns = listing.columns.map((name) => ({ name, type: "VARCHAR" }));
  io.stdout.write(formatTable(columns, rows, { rowCount: rows.length, truncated: false }));
}

interface WorkspaceRow {
  id: string;
  name: string;
  status: string;
  keys: number;
  integrations: number;
  deletedAt: string | null;
  awaiting: string[];
}

function workspaceRow(w: WorkspaceRow): Record<string, unknown> {
  return { ...w, deleted_at: w.deletedAt, awaiting: w.awaiting.join(",") };
}

const KEY_COLUMNS = ["id", "workspaceId", "role", "name", "createdAt"];

/** workspace-keys, revoke-key, delete-workspace: one REST call each. */
async function operator(cmd: Extract<Command, { kind: "operator" }>, io: CliIo): Promise<void> {
  const base = `/api/workspaces/${encodeURIComponent(cmd.workspaceId)}`;
  const target = { url: cmd.url, key: cmd.key };
  const [path, method] =
    cmd.action === "workspace-keys"
      ? [`${base}/keys`, "GET"]
      : cmd.action === "revoke-key"
        ? [`${base}/keys/${encodeURIComponent(cmd.keyId ?? "")}`, "DELETE"]
        : [base, "DELETE"];
  const body = (await (await call(target, path, { method }, io.fetch)).json()) as Record<string, unknown>;
  if (cmd.format === "json") {
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  let columns: string[];
  let rows: Array<Record<string, unknown>>;
  if (cmd.action === "workspace-keys") {
    columns = KEY_COLUMNS;
    rows = (body as { keys: Array<Record<string, unknown>> }).keys;
  } else if (cmd.action === "revoke-key") {
    columns = ["workspace", "key", "revoked"];
    rows = [{ workspace: cmd.workspaceId, key: cmd.keyId, revoked: true }];
  } else {
    columns = LISTINGS.workspaces.columns;
    rows = [workspaceRow(body as unknown as WorkspaceRow)];
  }
  if (cmd.format === "csv") {
    io.stdout.write(`${columns.join(",")}\r\n`);
    for (const r of rows) io.stdout.write(`${columns.map((c) => csv(String(r[c] ?? ""))).join(",")}\r\n`);
    return;
  }
  const cols = columns.map((name) => ({ name, type: "VARCHAR" }));
  io.stdout.write(formatTable(cols, rows, { rowCount: rows.length, truncated: false }));
}

interface OperationView {
  id: string;
  integrationId: string;
  requestId: string;
  kind: string;
  dryRun: boolean;
  status: string;
  summary: string;
  startedAt: string;
  steps: Array<{
    name: string;
    request: { method: string; url: string };
    outcome: string;
    httpStatus: number | null;
    error: string | null;
  }>;
}

function printRows(
  io: CliIo,
  format: OutputFormat,
  columns: string[],
  rows: Array<Record<string, unknown>>,
): void {
  if (format === "csv") {
    io.stdout.write(`${columns.join(",")}\r\n`);
    for (const r of rows) io.stdout.write(`${columns.map((c) => csv(String(r[c] ?? ""))).join(",")}\r\n`);
    return;
  }
  const cols = columns.map((name) => ({ name, type: "VARCHAR" }));
  io.stdout.write(formatTable(cols, rows, { rowCount: rows.length, truncated: false }));
}

/** One provisioning operation: its steps as a table and the summary; exit 1 unless it succeeded (or was planned). */
async function provision(cmd: Extract<Command, { kind: "provision" }>, io: CliIo): Promise<number> {
  const res = await call(
    { url: cmd.url, key: cmd.key },
    `/api/integrations/${encodeURIComponent(cmd.integrationId)}/provisioning/operations`,
    {
      method: "POST",
      body: {
        operation: cmd.operation,
        dryRun: cmd.dryRun,
        ...(cmd.requestId ? { requestId: cmd.requestId } : {}),
      },
    },
    io.fetch,
  );
  const op = (await res.json()) as OperationView;
  if (cmd.format === "json") io.stdout.write(`${JSON.stringify(op, null, 2)}\n`);
  else {
    const rows = op.steps.map((s) => ({
      step: s.name,
      method: s.request.method,
      url: s.request.url,
      outcome: s.outcome,
      status: s.httpStatus ?? "",
      error: s.error ?? "",
    }));
    printRows(io, cmd.format, ["step", "method", "url", "outcome", "status", "error"], rows);
    io.stdout.write(`${op.id} ${op.status}: ${op.summary}\n`);
  }
  return op.status === "succeeded" || op.status === "planned" ? 0 : 1;
}

async function provisioningOps(
  cmd: Extract<Command, { kind: "provisioning-ops" }>,
  io: CliIo,
): Promise<void> {
  const q = cmd.integrationId ? `?integrationId=${encodeURIComponent(cmd.integrationId)}` : "";
  const res = await call(
    { url: cmd.url, key: cmd.key },
    `/api/provisioning/operations${q}`,
    { method: "GET" },
    io.fetch,
  );
  const body = (await res.json()) as { operations: OperationView[] };
  if (cmd.format === "json") {
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  const rows = body.operations.map((o) => ({ ...o, dryRun: String(o.dryRun) }));
  printRows(
    io,
    cmd.format,
    ["id", "startedAt", "kind", "status", "dryRun", "requestId", "integrationId", "summary"],
    rows,
  );
}

async function reseal(cmd: Extract<Command, { kind: "reseal" }>, io: CliIo): Promise<void> {
  const res = await call(
    { url: cmd.url, key: cmd.key },
    "/api/admin/secrets/reseal",
    { method: "POST" },
    io.fetch,
  );
  const body = (await res.json()) as {
    services: Array<{
      service: string;
      keyId: string;
      kinds: Array<{ kind: string; total: number; resealed: number }>;
    }>;
  };
  if (cmd.format === "json") {
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  const rows = body.services.flatMap((s) => s.kinds.map((k) => ({ service: s.service, key: s.keyId, ...k })));
  const columns = ["service", "kind", "total", "resealed", "key"].map((name) => ({ name, type: "VARCHAR" }));
  io.stdout.write(formatTable(columns, rows, { rowCount: rows.length, truncated: false }));
}

/** Reads a credential file; a missing or unreadable one is a usage problem, said plainly. */
async function readCredential(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw new CliFailure(`cannot read the ${what} file ${file}: ${(err as Error).message}`, 2);
  }
}

async function connect(cmd: Extract<Command, { kind: "connect" }>, io: CliIo): Promise<void> {
  const auth: Record<string, unknown> = { mode: "app", clientId: cmd.clientId };
  if (cmd.secretFile) auth.clientSecret = (await readCredential(cmd.secretFile, "client secret")).trim();
  if (cmd.keyFile) {
    auth.certificate = {
      privateKeyPem: await readCredential(cmd.keyFile, "certificate key"),
      ...(cmd.certificateFile
        ? { certificatePem: await readCredential(cmd.certificateFile, "certificate") }
        : {}),
      ...(cmd.thumbprint ? { thumbprint: cmd.thumbprint } : {}),
    };
  }
  const res = await call(
    { url: cmd.url, key: cmd.key },
    "/api/integrations",
    { method: "POST", body: { name: cmd.name, tenantId: cmd.tenantId, auth } },
    io.fetch,
  );
  const body = (await res.json()) as {
    id: string;
    status: string;
    integration: { statusReason: string | null; credential?: string };
    adminConsentUrl?: string;
    requiredPermissions?: string[];
  };
  if (cmd.format === "json") {
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  const lines = [
    `integration ${body.id}: ${body.status}${body.integration.statusReason ? ` (${body.integration.statusReason})` : ""}`,
    `credential: ${body.integration.credential ?? "secret"}`,
  ];
  if (body.adminConsentUrl) lines.push(`admin-consent link: ${body.adminConsentUrl}`);
  if (body.requiredPermissions)
    lines.push(`application permissions to grant: ${body.requiredPermissions.join(", ")}`);
  io.stdout.write(`${lines.join("\n")}\n`);
}

function csv(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    async readStdin() {
      if (process.stdin.isTTY) return null;
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}
