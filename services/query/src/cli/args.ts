import { parseArgs } from "node:util";

export type OutputFormat = "table" | "csv" | "json";

export type Command =
  | {
      kind: "query";
      sql: string | null;
      format: OutputFormat;
      url: string;
      key: string;
      maxRows?: number;
      timeoutMs?: number;
    }
  | { kind: "tables"; format: OutputFormat; url: string; key: string }
  | {
      /** Rules, violations and packs: one GET each, printed as a table. */
      kind: "list";
      what: "rules" | "violations" | "packs" | "workspaces";
      /** Query string of the REST call (filters). */
      params: Record<string, string>;
      format: OutputFormat;
      url: string;
      key: string;
    }
  | { kind: "reseal"; format: OutputFormat; url: string; key: string }
  | {
      /** The operator's commands on one workspace (or one key of it). */
      kind: "operator";
      action: "workspace-keys" | "revoke-key" | "delete-workspace";
      workspaceId: string;
      keyId?: string;
      format: OutputFormat;
      url: string;
      key: string;
    }
  | {
      /** A provisioning operation on one integration (POST …/provisioning/operations). */
      kind: "provision";
      integrationId: string;
      operation: unknown;
      requestId?: string;
      dryRun: boolean;
      format: OutputFormat;
      url: string;
      key: string;
    }
  | {
      /** Connect an app-only integration: client secret or certificate read from files. */
      kind: "connect";
      name: string;
      tenantId: string;
      clientId: string;
      secretFile?: string;
      keyFile?: string;
      certificateFile?: string;
      thumbprint?: string;
      format: OutputFormat;
      url: string;
      key: string;
    }
  | { kind: "provisioning-ops"; integrationId?: string; format: OutputFormat; url: string; key: string }
  | { kind: "help" };

export class UsageError extends Error {}

/** Filters each list command passes on to its REST call. */
const FILTERS: Record<"rules" | "violations" | "packs" | "workspaces", readonly string[]> = {
  rules: ["pack", "severity"],
  violations: ["status", "severity", "rule", "pack"],
  packs: [],
  workspaces: [],
};

export const DEFAULT_URL = "http://localhost:8080";

export const USAGE = `Usage:
  tenantlens query "<SQL>" [options]     run read-only SQL (use - or a pipe to read SQL from stdin)
  tenantlens tables [options]            list tables and their columns
  tenantlens rules [--pack <id>] [--severity <s>]
                                         rules with their status per integration
  tenantlens violations [--status open|resolved|suppressed] [--severity <s>] [--rule <id>] [--pack <id>]
                                         violations (default: open and suppressed)
  tenantlens packs [options]             packs with their compliance score per integration
  tenantlens reseal-secrets [options]    re-seal every stored secret under the current key
                                         (key rotation; needs the operator's key)
  tenantlens workspaces [options]        every workspace with its keys, integrations and status (operator)
  tenantlens workspace-keys <workspace>  the API keys of any workspace (operator)
  tenantlens revoke-key <workspace> <key id>
                                         revoke any key of any workspace (operator)
  tenantlens delete-workspace <workspace>
                                         delete a workspace and purge everything it owns (operator);
                                         run it again, or "workspaces", to follow the purge
  tenantlens provision <integration id> '<operation JSON>' [--request-id <id>] [--dry-run]
                                         create_user, update_user, enable_user, disable_user,
                                         add_group_member, remove_group_member or offboard_user
                                         (admins; see docs/provisioning.md); exit 1 unless it succeeded
  tenantlens provisioning-ops [--integration <id>]
                                         the audit trail of provisioning operations (admins)
  tenantlens connect <name> --tenant <id> --client-id <id> (--client-secret-file <file> |
             --certificate-key-file <file> (--certificate-file <file> | --thumbprint <hex>))
                                         connect a tenant app-only (admin); prints the admin-consent
                                         link and the application permissions to grant
  tenantlens help

Options:
  -f, --format table|csv|json   output (default: table)
  -u, --url <url>               gateway URL (default: $TENANTLENS_URL or ${DEFAULT_URL})
  -k, --key <api key>           API key (default: $TENANTLENS_API_KEY)
      --max-rows <n>            row cap (the server default is 10000 for table/json)
      --timeout <ms>            time limit for the query in milliseconds

Exit codes: 0 ok, 1 the server refused or failed the request, 2 bad usage, 3 server unreachable.`;

/** Parses the command line; bad usage throws UsageError with a message for stderr. */
export function parseCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Command {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === "help") return { kind: "help" };
  const format = formatOf(values.format);
  const url = urlOf(values.url ?? env.TENANTLENS_URL ?? DEFAULT_URL);
  const key = values.key ?? env.TENANTLENS_API_KEY ?? "";
  if (key === "") throw new UsageError("no API key: pass --key or set TENANTLENS_API_KEY");
  switch (command) {
    case "query": {
      if (rest.length > 1)
        throw new UsageError('give the SQL as one argument, in quotes: tenantlens query "SELECT …"');
      const sql = rest[0] === undefined || rest[0] === "-" ? null : rest[0];
      return {
        kind: "query",
        sql,
        format,
        url,
        key,
        ...(values["max-rows"] !== undefined ? { maxRows: positive(values["max-rows"], "--max-rows") } : {}),
        ...(values.timeout !== undefined ? { timeoutMs: positive(values.timeout, "--timeout") } : {}),
      };
    }
    case "connect": {
      const [name, ...extra] = rest;
      if (!name || extra.length > 0) throw new UsageError("connect takes one name (in quotes)");
      const tenantId = values.tenant;
      const clientId = values["client-id"];
      if (!tenantId || !clientId) throw new UsageError("connect needs --tenant and --client-id");
      const secretFile = values["client-secret-file"];
      const keyFile = values["certificate-key-file"];
      if ((secretFile === undefined) === (keyFile === undefined))
        throw new UsageError("connect needs exactly one of --client-secret-file and --certificate-key-file");
      const certificateFile = values["certificate-file"];
      const thumbprint = values.thumbprint;
      if (keyFile !== undefined && certificateFile === undefined && thumbprint === undefined)
        throw new UsageError("--certificate-key-file needs --certificate-file or --thumbprint");
      if (secretFile !== undefined && (certificateFile !== undefined || thumbprint !== undefined))
        throw new UsageError("--certificate-file and --thumbprint go with --certificate-key-file");
      return {
        kind: "connect",
        name,
        tenantId,
        clientId,
        ...(secretFile !== undefined ? { secretFile } : {}),
        ...(keyFile !== undefined ? { keyFile } : {}),
        ...(certificateFile !== undefined ? { certificateFile } : {}),
        ...(thumbprint !== undefined ? { thumbprint } : {}),
        format,
        url,
        key,
      };
    }
    case "tables":
      if (rest.length > 0) throw new UsageError("tables takes no arguments");
      return { kind: "tables", format, url, key };
    case "reseal-secrets":
      if (rest.length > 0) throw new UsageError("reseal-secrets takes no arguments");
      return { kind: "reseal", format, url, key };
    case "workspace-keys":
    case "delete-workspace": {
      const [workspaceId, ...extra] = rest;
      if (!workspaceId || extra.length > 0) throw new UsageError(`${command} takes one workspace id`);
      return { kind: "operator", action: command, workspaceId, format, url, key };
    }
    case "revoke-key": {
      const [workspaceId, keyId, ...extra] = rest;
      if (!workspaceId || !keyId || extra.length > 0)
        throw new UsageError("revoke-key takes a workspace id and a key id");
      return { kind: "operator", action: command, workspaceId, keyId, format, url, key };
    }
    case "provision": {
      const [integrationId, json, ...extra] = rest;
      if (!integrationId || !json || extra.length > 0)
        throw new UsageError("provision takes an integration id and the operation as JSON");
      let operation: unknown;
      try {
        operation = JSON.parse(json);
      } catch {
        throw new UsageError(`the operation is not valid JSON: ${json.slice(0, 100)}`);
      }
      const dryRun = values["dry-run"] === true;
      const requestId = values["request-id"];
      if (!dryRun && requestId === undefined)
        throw new UsageError(
          "provision needs --request-id (the same id twice makes one change) or --dry-run",
        );
      return {
        kind: "provision",
        integrationId,
        operation,
        dryRun,
        ...(requestId !== undefined ? { requestId } : {}),
        format,
        url,
        key,
      };
    }
    case "provisioning-ops":
      if (rest.length > 0) throw new UsageError("provisioning-ops takes no arguments, only options");
      return {
        kind: "provisioning-ops",
        ...(values.integration !== undefined ? { integrationId: values.integration } : {}),
        format,
        url,
        key,
      };
    case "rules":
    case "violations":
    case "packs":
    case "workspaces": {
      if (rest.length > 0) throw new UsageError(`${command} takes no arguments, only options`);
      const allowed = FILTERS[command];
      const params: Record<string, string> = {};
      for (const name of ["pack", "severity", "status", "rule"] as const) {
        const v = values[name];
        if (v === undefined) continue;
        if (!allowed.includes(name)) throw new UsageError(`${command} does not take --${name}`);
        params[name] = v;
      }
      return { kind: "list", what: command, params, format, url, key };
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: "string", short: "f" },
      url: { type: "string", short: "u" },
      key: { type: "string", short: "k" },
      "max-rows": { type: "string" },
      timeout: { type: "string" },
      pack: { type: "string" },
      severity: { type: "string" },
      status: { type: "string" },
      rule: { type: "string" },
      "request-id": { type: "string" },
      "dry-run": { type: "boolean" },
      integration: { type: "string" },
      tenant: { type: "string" },
      "client-id": { type: "string" },
      "client-secret-file": { type: "string" },
      "certificate-key-file": { type: "string" },
      "certificate-file": { type: "string" },
      thumbprint: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function formatOf(v: string | undefined): OutputFormat {
  if (v === undefined) return "table";
  if (v === "table" || v === "csv" || v === "json") return v;
  throw new UsageError(`--format must be table, csv or json (got "${v}")`);
}

function urlOf(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new UsageError(`not a URL: "${v}"`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new UsageError(`the URL must be http(s): "${v}"`);
  return u.toString().replace(/\/+$/, "");
}

function positive(v: string, name: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${name} must be a positive whole number`);
  return n;
}
