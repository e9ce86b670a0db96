import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import type { z } from "zod";
import {
  authorityHost,
  bool,
  dataDir,
  durationMs,
  durationSeconds,
  graphEndpoint,
  httpUrl,
  int,
  logLevel,
  natsSettings,
  natsUrl,
  port,
  positiveInt,
  secret,
} from "./schemas.js";

function ok<T extends z.ZodType>(schema: T, input: string | undefined): z.infer<T> {
  const r = schema.safeParse(input);
  assert.ok(r.success, `expected ${JSON.stringify(input)} to parse: ${r.error?.message}`);
  return r.data;
}

function bad(schema: z.ZodType, input: string | undefined): string {
  const r = schema.safeParse(input);
  assert.ok(!r.success, `expected ${JSON.stringify(input)} to be rejected`);
  return r.error.issues.map((i) => i.message).join("; ");
}

describe("bool", () => {
  test("accepts true/false/1/0/yes/no in any case", () => {
    for (const v of ["true", "TRUE", " 1 ", "yes", "Yes"]) assert.equal(ok(bool, v), true);
    for (const v of ["false", "False", "0", "no", "NO"]) assert.equal(ok(bool, v), false);
  });
  test("rejects anything else", () => {
    assert.match(bad(bool, "maybe"), /true, false, 1, 0, yes, no/);
    assert.match(bad(bool, "2"), /expected one of/);
  });
  test("default applies when unset", () => {
    assert.equal(ok(bool.default(true), undefined), true);
  });
});

describe("numbers and ports", () => {
  test("int parses whole numbers and enforces bounds", () => {
    assert.equal(ok(int(), "-12"), -12);
    assert.equal(ok(int({ min: 1, max: 5 }), "5"), 5);
    assert.match(bad(int({ min: 1, max: 5 }), "6"), /from 1 to 5/);
    assert.match(bad(int(), "1.5"), /whole number/);
    assert.match(bad(int(), "12abc"), /whole number/);
    assert.match(bad(positiveInt, "0"), /from 1 to/);
  });
  test("port accepts 0-65535 and has a default", () => {
    const p = port("GATEWAY_PORT", 8080);
    assert.equal(ok(p, undefined), 8080);
    assert.equal(ok(p, "0"), 0);
    assert.equal(ok(p, "65535"), 65535);
    assert.match(bad(p, "65536"), /from 0 to 65535/);
    assert.match(bad(p, "http"), /whole number/);
  });
});

describe("durations", () => {
  test("seconds: bare numbers are seconds, units convert", () => {
    assert.equal(ok(durationSeconds, "30"), 30);
    assert.equal(ok(durationSeconds, "1.5"), 1.5);
    assert.equal(ok(durationSeconds, "500ms"), 0.5);
    assert.equal(ok(durationSeconds, "5m"), 300);
    assert.equal(ok(durationSeconds, "2h"), 7200);
    assert.equal(ok(durationSeconds, "1d"), 86400);
  });
  test("ms: bare numbers are milliseconds, units convert", () => {
    assert.equal(ok(durationMs, "250"), 250);
    assert.equal(ok(durationMs, "2s"), 2000);
    assert.equal(ok(durationMs, "1m"), 60000);
    assert.equal(ok(durationMs, "10 ms"), 10);
  });
  test("rejects negatives and garbage", () => {
    assert.match(bad(durationSeconds, "-1"), /expected a duration/);
    assert.match(bad(durationMs, "soon"), /expected a duration/);
    assert.match(bad(durationMs, "5w"), /expected a duration/);
  });
});

describe("urls", () => {
  test("natsUrl defaults and accepts lists", () => {
    assert.equal(ok(natsUrl, undefined), "nats://127.0.0.1:4222");
    assert.equal(ok(natsUrl, "nats://a:4222, tls://b:4443"), "nats://a:4222,tls://b:4443");
    assert.match(bad(natsUrl, "http://x:4222"), /nats:\/\/host:port/);
    assert.match(bad(natsUrl, "localhost"), /nats:\/\/host:port/);
  });
  test("graphEndpoint and authorityHost default and require https", () => {
    assert.equal(ok(graphEndpoint, undefined), "https://graph.microsoft.com");
    assert.equal(ok(authorityHost, undefined), "https://login.microsoftonline.com");
    assert.equal(ok(graphEndpoint, "https://127.0.0.1:8443/"), "https://127.0.0.1:8443");
    assert.match(bad(graphEndpoint, "http://127.0.0.1:8443"), /https:\/\/ URL/);
    assert.match(bad(authorityHost, "not a url"), /https:\/\/ URL/);
  });
  test("httpUrl accepts http and https", () => {
    assert.equal(ok(httpUrl, "http://127.0.0.1:4318/"), "http://127.0.0.1:4318");
    assert.match(bad(httpUrl, "ftp://x"), /http:\/\/ or https:\/\//);
  });
});

describe("paths, levels, secrets", () => {
  test("dataDir resolves to an absolute path, default ./data", () => {
    assert.equal(ok(dataDir, undefined), path.resolve("data"));
    assert.equal(ok(dataDir, "/var/lib/tl"), "/var/lib/tl");
    assert.ok(path.isAbsolute(ok(dataDir, "rel/dir")));
  });
  test("logLevel defaults to info and is case-insensitive", () => {
    assert.equal(ok(logLevel, undefined), "info");
    assert.equal(ok(logLevel, "DEBUG"), "debug");
    assert.match(bad(logLevel, "loud"), /expected one of fatal, error/);
  });
  test("secret enforces a minimum length", () => {
    assert.equal(ok(secret(4), "abcd"), "abcd");
    assert.match(bad(secret(32), "short"), /at least 32 characters/);
  });
  test("the bus credential and CA must be readable files (optional)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tl-config-"));
    const seed = path.join(dir, "poller.nk");
    writeFileSync(seed, "SU…\n", { mode: 0o600 });
    assert.equal(ok(natsSettings.NATS_NKEY_SEED_FILE, seed), seed);
    assert.equal(ok(natsSettings.NATS_NKEY_SEED_FILE, undefined), undefined);
    assert.match(
      bad(natsSettings.NATS_NKEY_SEED_FILE, path.join(dir, "missing.nk")),
      /expected a readable file/,
    );
    assert.match(bad(natsSettings.NATS_TLS_CA_FILE, dir), /expected a readable file/);
  });
});
