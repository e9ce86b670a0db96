import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { cleanup, freePort, repoRoot, tempDir, waitFor } from "@tenantlens/testkit";
import { api, queryCounts } from "./system.js";

/**
 * `npm start` as a user runs it: the launcher (deploy/local) starts NATS, the simulator and every
 * service, connects the demo tenant over REST and prints the URL and key; Ctrl-C stops it all.
 */
describe("npm start (demo mode)", { timeout: 400_000 }, () => {
  after(async () => {
    await cleanup();
  });

  it("runs the whole system, serves the demo data and stops cleanly on SIGINT", async () => {
    const dataDir = tempDir("tl-launcher");
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TENANTLENS_DATA_DIR: dataDir,
      GATEWAY_PORT: String(port),
      TENANTLENS_DEMO_USERS: "200",
      OTEL_SDK_DISABLED: "true",
    };
    delete env.NATS_URL;
    delete env.TENANTLENS_API_KEY;
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, [path.join(repoRoot, "deploy/local/launch.mjs")], {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      out += c;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await waitFor(() => out.includes("Press Ctrl-C to stop") || undefined, {
        timeoutMs: 180_000,
        intervalMs: 200,
        what: `the launcher banner; output so far:\n${out}`,
      }).catch((err: Error) => {
        throw new Error(`${err.message}\n--- launcher output ---\n${out}`);
      });

      const keyFile = path.join(dataDir, "api-key");
      assert.equal(statSync(keyFile).mode & 0o777, 0o600, "the generated API key is private");
      const apiKey = readFileSync(keyFile, "utf8").trim();
      assert.ok(out.includes(apiKey), "the banner prints the API key");
      assert.ok(out.includes(`http://127.0.0.1:${port}/`), "the banner prints the console URL");

      const sys = { baseUrl: `http://127.0.0.1:${port}`, apiKey };
      const list = await api<{ integrations: { id: string; name: string }[] }>(
        sys,
        "GET",
        "/api/integrations",
      );
      assert.equal(list.status, 200);
      const demo = list.body.integrations.find((i) => i.name === "Demo tenant (simulator)");
      assert.ok(demo, "the demo integration exists");
      await waitFor(
        async () => {
          const v = await api<{ lastPoll: { status: string } | null }>(
            sys,
            "GET",
            `/api/integrations/${demo.id}`,
          );
          return ["succeeded", "partial"].includes(v.body.lastPoll?.status ?? "") || undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500, what: "the demo poll to be committed" },
      );
      const users = await queryCounts(sys, "SELECT 'users' AS t, count(*) FROM azuread_user");
      assert.ok((users.users ?? 0) >= 190, `demo users are queryable: ${JSON.stringify(users)}`);

      // Everything under the data directory is private: the NATS store, the warehouse, generations, keys.
      const exposed = listTree(dataDir).filter((f) => (statSync(f).mode & 0o077) !== 0);
      assert.deepEqual(exposed, [], "files or directories readable by others");
      assert.ok(
        listTree(dataDir).some((f) => f.endsWith(".parquet")),
        "generations were written",
      );

      child.kill("SIGINT");
      const code = await Promise.race([
        exited,
        new Promise<"hung">((r) => setTimeout(() => r("hung"), 60_000)),
      ]);
      assert.equal(code, 0, `launcher exit code; output:\n${out.slice(-3000)}`);
      assert.match(out, /launcher \| stopped/);
      const res = await fetch(`${sys.baseUrl}/healthz`).catch(() => null);
      assert.equal(res, null, "the gateway is gone after Ctrl-C");
    } finally {
      // A failed run: the second SIGINT makes the launcher SIGKILL its children before it exits.
      if (child.exitCode === null) {
        child.kill("SIGINT");
        await new Promise((r) => setTimeout(r, 300));
        if (child.exitCode === null) child.kill("SIGINT");
        const hung = await Promise.race([
          exited,
          new Promise<"hung">((r) => setTimeout(() => r("hung"), 10_000)),
        ]);
        if (hung === "hung") child.kill("SIGKILL");
        await exited;
      }
    }
  });
});

/** Every file and directory below `dir` (the directory itself included). */
function listTree(dir: string): string[] {
  const out = [dir];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTree(full));
    else out.push(full);
  }
  return out;
}
