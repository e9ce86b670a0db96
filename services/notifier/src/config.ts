import {
  dataDir,
  durationMs,
  httpUrl,
  int,
  logLevel,
  natsSettings,
  opsSettings,
  z,
} from "@tenantlens/config";
import { secretKeyEnv } from "@tenantlens/secrets";
import { DEFAULT_RETRY_SCHEDULE_MS } from "./domain/retry.js";
import { parseAllowList } from "./domain/targets.js";

/** smtp:// or smtps:// with optional user:password (percent-encoded) and port. */
const smtpUrl = z.string().transform((raw, ctx) => {
  try {
    const u = new URL(raw.trim());
    if (u.protocol === "smtp:" || u.protocol === "smtps:") return u.toString();
  } catch {
    // reported below
  }
  ctx.issues.push({
    code: "custom",
    input: raw,
    message: "expected smtp://[user:password@]host[:port] or smtps://… (e.g. smtp://mailpit:1025)",
  });
  return z.NEVER;
});

/** `Name <address>` or a bare address. */
const mailFrom = z
  .string()
  .trim()
  .regex(
    /^([^<>\r\n]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/,
    "expected an address, e.g. Tenantlens <alerts@example.com>",
  );

const allowList = z.string().transform((raw, ctx) => {
  try {
    return parseAllowList(raw);
  } catch (err) {
    ctx.issues.push({ code: "custom", input: raw, message: (err as Error).message });
    return z.NEVER;
  }
});

/** Comma-separated durations (`5s,5m,30m`): the waits after attempts 1, 2, … */
const schedule = z.string().transform((raw, ctx) => {
  const steps = raw.split(",").map((s) => durationMs.safeParse(s.trim()));
  const bad = steps.findIndex((s) => !s.success || s.data <= 0);
  if (steps.length === 0 || steps.length > 30 || bad >= 0) {
    ctx.issues.push({
      code: "custom",
      input: raw,
      message: "expected 1 to 30 comma-separated durations such as 5s,5m,30m,2h",
    });
    return z.NEVER;
  }
  return steps.map((s) => s.data as number);
});

const dnsServers = z.string().transform((raw) =>
  raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

export const notifierConfigSchema = z.object({
  ...natsSettings,
  ...opsSettings,
  TENANTLENS_DATA_DIR: dataDir,
  LOG_LEVEL: logLevel,
  ...secretKeyEnv,
  /** Where users reach the console: links in mail and webhook bodies. */
  PUBLIC_URL: httpUrl.default("http://localhost:8080"),
  /** Unset: email channels can be created, but their messages wait (retrying) until it is set. */
  SMTP_URL: smtpUrl.optional(),
  SMTP_FROM: mailFrom.default("Tenantlens <tenantlens@localhost>"),
  /** Internal webhook targets allowed despite the SSRF guard: hosts, host:port, IPs or CIDRs. */
  NOTIFIER_ALLOWED_TARGETS: allowList.default([]),
  /** Ask these DNS servers (ip or ip:port) for webhook hosts instead of the system resolver. */
  NOTIFIER_DNS_SERVERS: dnsServers.optional(),
  NOTIFIER_RETRY_SCHEDULE: schedule.default(DEFAULT_RETRY_SCHEDULE_MS),
  NOTIFIER_WEBHOOK_TIMEOUT_MS: durationMs.pipe(z.number().min(100).max(120_000)).default(10_000),
  NOTIFIER_SMTP_TIMEOUT_MS: durationMs.pipe(z.number().min(100).max(300_000)).default(30_000),
  /** Deliveries running at once. */
  NOTIFIER_CONCURRENCY: int({ min: 1, max: 256 }).default(8),
  /** How often held-back items and unfinished rules runs are looked at. */
  NOTIFIER_SWEEP_INTERVAL_MS: durationMs.pipe(z.number().min(50)).default(30_000),
  /** Items of a rules run whose end never came are sent after this long. */
  NOTIFIER_DIGEST_MAX_WAIT_MS: durationMs.default(10 * 60_000),
  /** Rows of a saved query a query alert compares. */
  NOTIFIER_QUERY_MAX_ROWS: int({ min: 1, max: 100_000 }).default(1_000),
  /** Notifications kept in the notifier's own log (the warehouse keeps them per HISTORY_RETENTION_DAYS). */
  NOTIFIER_LOG_RETENTION_DAYS: int({ min: 1, max: 3_650 }).default(30),
});

export type NotifierConfig = z.infer<typeof notifierConfigSchema>;
