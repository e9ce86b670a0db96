import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { type Dirent, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { SERVICE_NAMES } from "@tenantlens/contracts";
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

  for (const runtime of ["node", "deno"] as const) {
    it(`runs the whole system on ${runtime}, serves the demo data and stops cleanly on SIGINT`, async () => {
      const dataDir = tempDir("tl-launcher");
      const port = await freePort();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        TENANTLENS_DATA_DIR: dataDir,
        GATEWAY_PORT: String(port),
        TENANTLENS_DEMO_USERS: "200",
        // The test reads users only: the rest of the catalog is the other end-to-end tests' work.
        POLL_RESOURCES: "users,groups",
        TENANTLENS_RUNTIME: runtime,
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

        assert.match(out, new RegExp(`runtime: ${runtime}`), "the launcher says which runtime it uses");
        // Which binary runs each service, the simulator and the query workers.
        const children = descendants(child.pid ?? -1);
        for (const name of SERVICE_NAMES) {
          const proc = children.find((p) => p.args.includes(`services/${name}/src/index.ts`));
          assert.ok(proc, `${name} runs as its own process`);
          assert.equal(binaryOf(proc), runtime, `${name}: ${proc.args.join(" ")}`);
        }
        const workers = children.filter((p) => p.args.some((a) => a.endsWith("worker-main.ts")));
        assert.ok(workers.length > 0, "query workers run");
        for (const w of workers) assert.equal(binaryOf(w), runtime, `query worker: ${w.args.join(" ")}`);

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
        // The running services create and delete files meanwhile (rules result files, spill
        // directories): one gone between the listing and its stat exposes nothing.
        const exposed = listTree(dataDir).filter(
          (f) => ((statSync(f, { throwIfNoEntry: false })?.mode ?? 0) & 0o077) !== 0,
        );
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
  }
});

interface Proc {
  pid: number;
  exe: string;
  args: string[];
}

/** Every live descendant of `root`, read from /proc (Linux). */
function descendants(root: number): Proc[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name (field 2) may hold spaces and parentheses: the fields after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p))
      if (p === root) return true;
    return false;
  };
  const out: Proc[] = [];
  for (const pid of parentOf.keys()) {
    if (!inTree(pid)) continue;
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      out.push({ pid, exe: readlinkSync(`/proc/${pid}/exe`), args });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function binaryOf(p: Proc): string {
  return path.basename(p.exe).replace(/\.exe$/, "");
}

/** Every file and directory below `dir` (the directory itself included). */
function listTree(dir: string): string[] {
  const out = [dir];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return []; // removed while listing
    throw err;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTree(full));
    else out.push(full);
  }
  return out;
}
