import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const TRUE = new Set(["true", "1", "yes"]);
const FALSE = new Set(["false", "0", "no"]);

/** Boolean from true/false/1/0/yes/no (any case). Compose: `bool.default(false)`. */
export const bool = z.string().transform((raw, ctx) => {
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  ctx.issues.push({ code: "custom", input: raw, message: "expected one of true, false, 1, 0, yes, no" });
  return z.NEVER;
});

/** Whole number (optionally bounded). */
export function int(opts: { min?: number; max?: number } = {}) {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = opts;
  return z.string().transform((raw, ctx) => {
    const v = raw.trim();
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) {
      ctx.issues.push({ code: "custom", input: raw, message: "expected a whole number" });
      return z.NEVER;
    }
    if (n < min || n > max) {
      ctx.issues.push({ code: "custom", input: raw, message: `expected a number from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });
}

/** Whole number ≥ 1. */
export const positiveInt = int({ min: 1 });

/** TCP port 0–65535 (0 = let the OS pick) with a default. `name` only documents the variable. */
export function port(name: string, defaultPort: number) {
  return int({ min: 0, max: 65535 }).default(defaultPort).describe(`${name}: TCP port`);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function duration(unitMs: number, unitName: string) {
  return z.string().transform((raw, ctx) => {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(raw.trim().toLowerCase());
    if (!m) {
      ctx.issues.push({
        code: "custom",
        input: raw,
        message: `expected a duration: a number of ${unitName} or a number with ms, s, m, h or d (e.g. 30s, 5m)`,
      });
      return z.NEVER;
    }
    const factor = m[2] ? (UNIT_MS[m[2]] ?? unitMs) : unitMs;
    return (Number(m[1]) * factor) / unitMs;
  });
}

/** Duration in seconds: "30" (seconds), "500ms", "30s", "5m", "1h", "1d" → number of seconds. */
export const durationSeconds = duration(1000, "seconds");
/** Duration in milliseconds: "250" (ms), "2s", "1m" … → number of milliseconds. */
export const durationMs = duration(1, "milliseconds");

function urlWith(protocols: readonly string[], what: string) {
  return z.string().transform((raw, ctx) => {
    let u: URL;
    try {
      u = new URL(raw.trim());
    } catch {
      ctx.issues.push({ code: "custom", input: raw, message: `expected ${what}` });
      return z.NEVER;
    }
    if (!protocols.includes(u.protocol)) {
      ctx.issues.push({ code: "custom", input: raw, message: `expected ${what}` });
      return z.NEVER;
    }
    // Normalised without a trailing slash so callers can append paths.
    return u.toString().replace(/\/+$/, "");
  });
}

/** Any https URL, returned without a trailing slash. */
export const httpsUrl = urlWith(["https:"], "an https:// URL");
/** An http or https URL, returned without a trailing slash. */
export const httpUrl = urlWith(["http:", "https:"], "an http:// or https:// URL");

/** NATS_URL: one or more comma-separated nats://, tls://, ws:// or wss:// URLs. */
export const natsUrl = z
  .string()
  .default("nats://127.0.0.1:4222")
  .transform((raw, ctx) => {
    const parts = raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = parts.filter((p) => {
      try {
        return !["nats:", "tls:", "ws:", "wss:"].includes(new URL(p).protocol);
      } catch {
        return true;
      }
    });
    if (parts.length === 0 || bad.length > 0) {
      ctx.issues.push({
        code: "custom",
        input: raw,
        message: "expected nats://host:port (several separated by commas; tls://, ws://, wss:// also work)",
      });
      return z.NEVER;
    }
    return parts.join(",");
  });

/** A file that must exist and be readable when the service starts; resolved to an absolute path. */
export function readableFile(what: string) {
  return z.string().transform((raw, ctx) => {
    const file = path.resolve(raw.trim());
    try {
      accessSync(file, constants.R_OK);
      if (!statSync(file).isFile()) throw new Error("not a file");
    } catch {
      ctx.issues.push({ code: "custom", input: raw, message: `expected a readable file (${what})` });
      return z.NEVER;
    }
    return file;
  });
}

/**
 * How a service reaches the bus: NATS_URL, its own identity (NATS_NKEY_SEED_FILE, the NKEY seed the
 * bus's `authorization` block names with that service's permissions) and, for tls:// servers, the CA
 * that signed the server's certificate (NATS_TLS_CA_FILE), and the replicas of what it creates on
 * JetStream (TL_STREAM_REPLICAS). Pass the parsed values to
 * `busConnection()` of `@tenantlens/bus`.
 */
export const natsSettings = {
  NATS_URL: natsUrl,
  NATS_NKEY_SEED_FILE: readableFile(
    "this service's NKEY seed, e.g. data/secrets/nats/<service>.nk",
  ).optional(),
  NATS_TLS_CA_FILE: readableFile("PEM CA certificate of the NATS server").optional(),
  /**
   * Copies JetStream keeps of each stream, KV bucket and object store this service creates: 1 on a
   * single server, 3 (or 5) on a NATS cluster so losing a server loses nothing.
   */
  TL_STREAM_REPLICAS: z
    .enum(["1", "3", "5"], { error: "expected 1, 3 or 5 (JetStream replicas)" })
    .default("1")
    .transform(Number),
};

/**
 * What every service reads for operations: its metrics port (`/metrics`, `/livez`, `/readyz`; 0 = off)
 * and address, and how often it publishes its heartbeat on the bus.
 */
export const opsSettings = {
  TL_METRICS_PORT: port("TL_METRICS_PORT", 0),
  TL_METRICS_HOST: z.string().trim().min(1).default("127.0.0.1"),
  TL_HEARTBEAT_SECONDS: int({ min: 1, max: 300 }).default(10),
};

/** TENANTLENS_DATA_DIR: resolved to an absolute path; default ./data. */
export const dataDir = z
  .string()
  .default("./data")
  .transform((p) => path.resolve(p));

/** GRAPH_ENDPOINT: Graph base URL (sovereign clouds, the simulator). */
export const graphEndpoint = httpsUrl.default("https://graph.microsoft.com");

/** AZURE_AUTHORITY_HOST: identity platform host (sovereign clouds, the simulator). */
export const authorityHost = httpsUrl.default("https://login.microsoftonline.com");

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** LOG_LEVEL: pino level, default info. */
export const logLevel = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(", ")}` }))
  .default("info");

/** A secret that must be present and at least `minLength` characters long. */
export function secret(minLength = 1) {
  return z.string().min(minLength, { error: `must be at least ${minLength} characters` });
}
