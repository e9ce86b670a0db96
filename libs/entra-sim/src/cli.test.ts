import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { requestAppToken } from "./app-token.js";
import { parseCliArgs, UsageError } from "./cli.js";
import { caFetch } from "./tls.js";

const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));

function startCli(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}

/** Resolves with the READY line's JSON once the child prints it (bounded by the child's own kill timer). */
function readyLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      const line = buf.split("\n").find((l) => l.startsWith("READY "));
      if (line !== undefined && buf.includes("\n")) resolve(line);
    });
    child.on("close", () => reject(new Error(`exited before READY; stdout: ${buf}`)));
  });
}

describe("cli argument parsing", () => {
  it("maps flags to simulator options", () => {
    assert.deepEqual(
      parseCliArgs([
        "--port",
        "0",
        "--seed",
        "4",
        "--users",
        "50",
        "--tenants",
        "2",
        "--no-p1",
        "--live",
        "6",
        "--admin-key",
        "k",
      ]),
      {
        port: 0,
        seed: 4,
        tenants: [
          {
            users: 50,
            groups: undefined,
            applications: undefined,
            devices: undefined,
            licences: { p1: false },
          },
          {
            users: 50,
            groups: undefined,
            applications: undefined,
            devices: undefined,
            licences: { p1: false },
          },
        ],
        dataDir: undefined,
        adminKey: "k",
        redirectUris: undefined,
        autoApprove: undefined,
        live: { changesPerMinute: 6 },
      },
    );
    assert.equal(parseCliArgs(["--help"]), "help");
  });

  it("rejects bad input with a clear reason", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--users", "many"], /--users must be a whole number/],
      [["--port", "70000"], /--port must be at most 65535/],
      [["--tenants", "0"], /--tenants must be at least 1/],
      [["--live", "-3"], /--live/],
      [["--redirect-uri", "not a url"], /--redirect-uri must be an absolute URL/],
      [["--frobnicate"], /Unknown option '--frobnicate'/],
      [["positional"], /positional/],
      [["--users"], /argument missing/],
    ];
    for (const [args, reason] of cases) {
      assert.throws(
        () => parseCliArgs(args),
        (e: unknown) => e instanceof UsageError && reason.test(e.message),
        args.join(" "),
      );
    }
  });
});

describe("cli process", () => {
  it("exits with code 2 and the reason on stderr for bad arguments", async () => {
    const { done } = startCli(["--users", "lots"]);
    const { code, stdout, stderr } = await done;
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(stderr, /entra-sim: --users must be a whole number/);
    assert.match(stderr, /Usage: npm run sim/);
  });

  it("prints exactly one READY line that parses, serves, and stops cleanly on SIGTERM", async () => {
    const { child, done } = startCli(["--port", "0", "--seed", "3", "--users", "25", "--tenants", "2"]);
    const line = await readyLine(child);
    const ready = JSON.parse(line.slice("READY ".length)) as {
      graphEndpoint: string;
      authorityHost: string;
      caCertPath: string;
      adminKey: string;
      tenants: Array<{ tenantId: string; clientId: string; clientSecret: string }>;
    };
    assert.deepEqual(Object.keys(ready), [
      "graphEndpoint",
      "authorityHost",
      "caCertPath",
      "adminKey",
      "tenants",
    ]);
    assert.match(ready.graphEndpoint, /^https:\/\/localhost:\d+$/);
    assert.equal(ready.authorityHost, ready.graphEndpoint);
    assert.equal(ready.tenants.length, 2);
    for (const t of ready.tenants) assert.deepEqual(Object.keys(t), ["tenantId", "clientId", "clientSecret"]);

    const f = caFetch(readFileSync(ready.caCertPath, "utf8"));
    const t = ready.tenants[0]!;
    const res = await requestAppToken(f, ready.authorityHost, t);
    assert.equal(res.status, 200);
    const tenants = await f(`${ready.graphEndpoint}/_sim/tenants`, {
      headers: { "x-sim-key": ready.adminKey },
    });
    assert.equal(tenants.status, 200);

    child.kill("SIGTERM");
    const { code, stdout } = await done;
    assert.equal(code, 0);
    assert.deepEqual(
      stdout.split("\n").filter(Boolean),
      [line],
      "stdout holds the READY line and nothing else",
    );
    assert.equal(existsSync(ready.caCertPath), false, "the temp data dir is removed on exit");
  });
});
