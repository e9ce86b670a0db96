import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { after, describe, it } from "node:test";
import { type Bus, connectBus } from "@tenantlens/bus";
import { DEFAULT_WORKSPACE, type Generation, GenerationGet } from "@tenantlens/contracts";
import { createLogger } from "@tenantlens/telemetry";
import {
  cleanup,
  freePort,
  type NatsServer,
  repoRoot,
  type ServiceProcess,
  startNats,
  startService,
  tempDir,
  withServiceLogs,
} from "@tenantlens/testkit";
import { writeGeneration } from "../testing/generation-fixture.js";
import { parseCommand, UsageError } from "./args.js";
import { cell, formatTable } from "./format.js";
import { main } from "./main.js";

const env = { TENANTLENS_API_KEY: "k".repeat(20) };

describe("cli arguments", () => {
  it("parses commands, options and environment defaults", () => {
    assert.deepEqual(parseCommand(["query", "SELECT 1"], env), {
      kind: "query",
      sql: "SELECT 1",
      format: "table",
      url: "http://localhost:8080",
      key: env.TENANTLENS_API_KEY,
    });
    assert.deepEqual(
      parseCommand(
        [
          "query",
          "-f",
          "csv",
          "--url",
          "http://h:9/",
          "--key",
          "abc",
          "--max-rows",
          "5",
          "--timeout",
          "1000",
          "-",
        ],
        {},
      ),
      { kind: "query", sql: null, format: "csv", url: "http://h:9", key: "abc", maxRows: 5, timeoutMs: 1000 },
    );
    assert.equal(
      parseCommand(["query", "SELECT 1"], { ...env, TENANTLENS_URL: "https://tl.example" }).kind,
      "query",
    );
    assert.deepEqual(parseCommand(["tables", "--format", "json"], env), {
      kind: "tables",
      format: "json",
      url: "http://localhost:8080",
      key: env.TENANTLENS_API_KEY,
    });
    assert.deepEqual(parseCommand(["revoke-key", "acme", "k123"], env), {
      kind: "operator",
      action: "revoke-key",
      workspaceId: "acme",
      keyId: "k123",
      format: "table",
      url: "http://localhost:8080",
      key: env.TENANTLENS_API_KEY,
    });
    assert.equal(parseCommand(["delete-workspace", "acme"], env).kind, "operator");
    assert.deepEqual(parseCommand(["workspaces"], env), {
      kind: "list",
      what: "workspaces",
      params: {},
      format: "table",
      url: "http://localhost:8080",
      key: env.TENANTLENS_API_KEY,
    });
    assert.throws(() => parseCommand(["delete-workspace"], env), /one workspace id/);
    assert.throws(() => parseCommand(["revoke-key", "acme"], env), /a workspace id and a key id/);
    assert.deepEqual(parseCommand([], {}), { kind: "help" });
    assert.deepEqual(parseCommand(["--help"], {}), { kind: "help" });
  });

  it("parses connect with a secret file or a certificate key file", () => {
    const base = ["connect", "Contoso", "--tenant", "t-1", "--client-id", "c-1"];
    assert.deepEqual(
      parseCommand([...base, "--certificate-key-file", "k.pem", "--certificate-file", "c.pem"], env),
      {
        kind: "connect",
        name: "Contoso",
        tenantId: "t-1",
        clientId: "c-1",
        keyFile: "k.pem",
        certificateFile: "c.pem",
        format: "table",
        url: "http://localhost:8080",
        key: env.TENANTLENS_API_KEY,
      },
    );
    assert.equal(parseCommand([...base, "--client-secret-file", "s.txt"], env).kind, "connect");
    assert.throws(
      () => parseCommand(base, env),
      /exactly one of --client-secret-file and --certificate-key-file/,
    );
    assert.throws(
      () => parseCommand([...base, "--certificate-key-file", "k.pem"], env),
      /needs --certificate-file or --thumbprint/,
    );
    assert.throws(
      () => parseCommand([...base, "--client-secret-file", "s", "--certificate-file", "c.pem"], env),
      /go with --certificate-key-file/,
    );
    assert.throws(
      () => parseCommand(["connect", "X", "--client-secret-file", "s"], env),
      /--tenant and --client-id/,
    );
  });

  it("explains bad usage", () => {
    const bad: Array<[string[], Record<string, string>, RegExp]> = [
      [["query", "SELECT 1"], {}, /no API key/],
      [["query", "SELECT", "1"], env, /one argument, in quotes/],
      [["query", "SELECT 1", "--format", "xml"], env, /--format must be table, csv or json/],
      [["query", "SELECT 1", "--url", "ftp://x"], env, /http\(s\)/],
      [["query", "SELECT 1", "--max-rows", "0"], env, /--max-rows must be a positive whole number/],
      [["query", "SELECT 1", "--bogus"], env, /Unknown option/],
      [["drop", "everything"], env, /unknown command "drop"/],
    ];
    for (const [argv, e, pattern] of bad)
      assert.throws(
        () => parseCommand(argv, e),
        (err: unknown) => err instanceof UsageError && pattern.test(err.message),
      );
  });
});

describe("cli formatting", () => {
  it("prints an aligned table with NULLs, nested values and a footer", () => {
    const out = formatTable(
      [
        { name: "id", type: "VARCHAR" },
        { name: "tags", type: "VARCHAR[]" },
        { name: "n", type: "BIGINT" },
      ],
      [
        { id: "a", tags: ["x", "y"], n: 1 },
        { id: "longer id", tags: null, n: 22 },
      ],
      { rowCount: 2, truncated: true },
    );
    assert.equal(
      out,
      [
        "id        | tags      | n",
        "----------+-----------+---",
        'a         | ["x","y"] | 1',
        "longer id | NULL      | 22",
        "(2 rows, truncated: raise --max-rows or add a LIMIT)",
        "",
      ].join("\n"),
    );
    assert.equal(cell("line\nbreak"), "line\\nbreak");
    assert.equal(cell("x".repeat(100)).length, 60);
    assert.equal(
      formatTable([{ name: "a", type: "INTEGER" }], [{ a: 1 }], { rowCount: 1, truncated: false }).split(
        "\n",
      )[3],
      "(1 row)",
    );
  });
});

function capture() {
  let out = "";
  let err = "";
  return {
    io: {
      stdout: {
        write: (s: string | Uint8Array) => (out += typeof s === "string" ? s : Buffer.from(s).toString()),
      },
      stderr: { write: (s: string) => (err += s) },
      readStdin: async () => null,
    },
    out: () => out,
    err: () => err,
  };
}

describe("cli against a running gateway", () => {
  let nats: NatsServer | undefined;
  let bus: Bus | undefined;
  const services: ServiceProcess[] = [];
  const key = "cli-test-admin-key-0123456789";

  after(async () => {
    for (const s of services.reverse()) await s.stop();
    await bus?.drain();
    await nats?.stop();
    await cleanup();
  });

  it("queries through the REST API and prints table, CSV and JSON with exit codes", () =>
    withServiceLogs(async () => {
      nats = await startNats();
      bus = await connectBus({
        ...nats.client(),
        service: "store",
        logger: createLogger("cli-test", {}, { level: "silent" }),
      });
      const generation: Generation = await writeGeneration({
        root: tempDir("tl-cli-gen"),
        workspaceId: DEFAULT_WORKSPACE,
        generationId: 1,
        tables: {
          azuread_user: [
            { id: "u1", display_name: "Ada", user_type: "Member" },
            { id: "u2", display_name: "Grace, Admiral", user_type: "Guest" },
          ],
        },
      });
      bus.serve(GenerationGet, async ({ workspaceId }) => ({
        generation: workspaceId === DEFAULT_WORKSPACE ? generation : null,
      }));
      services.push(
        await startService("query", {
          NATS_URL: nats.url,
          TENANTLENS_DATA_DIR: tempDir("tl-cli-data"),
          QUERY_WORKERS: "1",
        }),
      );
      const port = await freePort();
      services.push(
        await startService("gateway", {
          NATS_URL: nats.url,
          GATEWAY_PORT: String(port),
          TENANTLENS_API_KEY: key,
        }),
      );
      const url = `http://127.0.0.1:${port}`;
      const cliEnv = { TENANTLENS_URL: url, TENANTLENS_API_KEY: key };
      const sql = "SELECT id, display_name FROM azuread_user ORDER BY id";

      const table = capture();
      assert.equal(await main(["query", sql], cliEnv, table.io), 0, table.err());
      assert.equal(
        table.out(),
        "id | display_name\n---+---------------\nu1 | Ada\nu2 | Grace, Admiral\n(2 rows)\n",
      );

      const csv = capture();
      assert.equal(await main(["query", "--format", "csv", sql], cliEnv, csv.io), 0, csv.err());
      assert.equal(csv.out(), 'id,display_name\r\nu1,Ada\r\nu2,"Grace, Admiral"\r\n');

      const json = capture();
      assert.equal(await main(["query", "-f", "json", sql], cliEnv, json.io), 0);
      assert.deepEqual((JSON.parse(json.out()) as { rows: unknown[] }).rows, [
        { id: "u1", display_name: "Ada" },
        { id: "u2", display_name: "Grace, Admiral" },
      ]);

      const refused = capture();
      assert.equal(await main(["query", "DROP VIEW azuread_user"], cliEnv, refused.io), 1);
      assert.match(refused.err(), /^tenantlens: query_error: Only a single read-only statement/);

      const wrongKey = capture();
      assert.equal(await main(["query", "SELECT 1", "--key", "wrong-key"], cliEnv, wrongKey.io), 1);
      assert.match(wrongKey.err(), /unauthorized.*check --key/);

      const down = capture();
      assert.equal(
        await main(["query", "SELECT 1", "--url", `http://127.0.0.1:${await freePort()}`], cliEnv, down.io),
        3,
      );
      assert.match(down.err(), /cannot reach/);

      const tables = capture();
      assert.equal(await main(["tables"], cliEnv, tables.io), 0);
      assert.match(tables.out(), /^azuread_user — Users/m);

      // The installed bin, as a user runs it, with SQL piped on stdin.
      const bin = path.join(repoRoot, "libs/cli/bin/tenantlens.mjs");
      const run = spawn(process.execPath, [bin, "query", "-", "--format", "csv"], {
        env: { ...process.env, ...cliEnv },
        stdio: ["pipe", "pipe", "pipe"],
      });
      run.stdin.end("SELECT count(*) AS n FROM azuread_user");
      let out = "";
      run.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      const code = await new Promise<number | null>((resolve) => run.on("exit", resolve));
      assert.equal(code, 0);
      assert.equal(out, "n\r\n2\r\n");
    }));
});
