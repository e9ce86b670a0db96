import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { denoBinary, RUNTIMES } from "@tenantlens/config";
import { SERVICES } from "@tenantlens/contracts";
import { cleanup, freePort, repoRoot, startNats, startService } from "@tenantlens/testkit";
import { parse } from "yaml";
import { WEBSOCKET_PORT } from "../compose/secrets.js";

// No Docker engine runs here: the Dockerfile's targets and compose's choice of target are checked
// statically, and the image's entrypoint script runs outside Docker (from the repository root, the
// image's /app) on each runtime, where /proc shows which binary it started.

interface Stage {
  name: string;
  from: string;
  lines: string[];
}

/** The Dockerfile as stages of instructions (continuation lines joined, comments dropped). */
function stages(text: string): Stage[] {
  const out: Stage[] = [];
  const instructions = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  for (const line of instructions) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ name: from[2] ?? "", from: from[1] as string, lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

/** A stage's instructions with those of the stages it is built FROM (in order). */
function lineage(all: Stage[], name: string): string[] {
  const stage = all.find((s) => s.name === name);
  if (!stage) return [];
  return [...lineage(all, stage.from), ...stage.lines];
}

const dockerfile = readFileSync(path.join(repoRoot, "deploy/Dockerfile"), "utf8");
const all = stages(dockerfile);
const entrypointScript = "deploy/container/entrypoint.sh";

describe("deploy/Dockerfile: one target per runtime", () => {
  test("has a target per runtime, each setting TENANTLENS_RUNTIME to it; node is the default (last)", () => {
    for (const runtime of RUNTIMES) {
      const lines = lineage(all, runtime);
      assert.ok(lines.length > 0, `a stage named ${runtime}`);
      assert.ok(
        lines.some((l) => new RegExp(`^ENV\\s+TENANTLENS_RUNTIME=${runtime}(\\s|$)`).test(l)),
        `${runtime}: ENV TENANTLENS_RUNTIME=${runtime}`,
      );
      assert.ok(
        lines.includes('ENTRYPOINT ["/usr/local/bin/tenantlens-service"]'),
        `${runtime}: the entrypoint`,
      );
      assert.ok(lines.includes("USER node"), `${runtime}: not root`);
    }
    assert.equal(all.at(-1)?.name, "node", "a plain docker build gives the Node image");
  });

  test("every COPY source exists in the build context and the entrypoint is the script", () => {
    const ignored = readFileSync(path.join(repoRoot, "deploy/Dockerfile.dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    let copies = 0;
    for (const runtime of RUNTIMES) {
      for (const line of lineage(all, runtime).filter((l) => /^COPY\s/i.test(l))) {
        const parts = line.split(/\s+/).slice(1);
        assert.ok(!parts.some((p) => p.startsWith("--from")), `${line}: copies from the context`);
        const sources = parts.slice(0, -1);
        for (const src of sources) {
          copies++;
          assert.ok(existsSync(path.join(repoRoot, src)), `${runtime}: ${line}: ${src} exists`);
          assert.ok(!ignored.includes(src.replace(/\/$/, "")), `${src} is not dockerignored`);
        }
      }
      const copiedEntrypoint = lineage(all, runtime).find((l) => l.startsWith(`COPY ${entrypointScript} `));
      assert.equal(copiedEntrypoint, `COPY ${entrypointScript} /usr/local/bin/tenantlens-service`);
    }
    assert.ok(copies >= 6);
  });

  test("the Deno target compiles every service entry, which all exist", () => {
    const cache = lineage(all, "deno").find((l) => l.includes("deno cache"));
    assert.ok(cache, "a deno cache step");
    const entries = cache.split(/\s+/).filter((w) => w.endsWith(".ts"));
    for (const service of SERVICES) assert.ok(entries.includes(`services/${service}/src/index.ts`), service);
    for (const entry of entries) assert.ok(existsSync(path.join(repoRoot, entry)), entry);
  });
});

interface ComposeFile {
  services: Record<
    string,
    { image?: string; build?: { target?: string; dockerfile?: string }; ports?: string[]; command?: string[] }
  >;
}

describe("docker-compose.yml: the runtime chosen by TENANTLENS_RUNTIME", () => {
  const compose = parse(readFileSync(path.join(repoRoot, "docker-compose.yml"), "utf8"), {
    merge: true,
  }) as ComposeFile;

  /** Compose's `${VAR:-default}` with VAR set to `value` (or unset). */
  const interpolate = (s: string, value: string | undefined) =>
    s.replace(/\$\{TENANTLENS_RUNTIME:-([^}]*)\}/g, (_m, d: string) => value ?? d);

  test("every service builds the target TENANTLENS_RUNTIME names, and its choices are the Dockerfile's targets", () => {
    for (const name of SERVICES) {
      const svc = compose.services[name];
      assert.ok(svc?.build?.target, `${name} has a build target`);
      assert.equal(svc.build.dockerfile, "deploy/Dockerfile");
      assert.match(
        svc.build.target,
        /^\$\{TENANTLENS_RUNTIME:-node\}$/,
        `${name}: target from TENANTLENS_RUNTIME`,
      );
      for (const value of [undefined, ...RUNTIMES]) {
        const target = interpolate(svc.build.target, value);
        assert.ok(
          all.some((s) => s.name === target),
          `${name}: TENANTLENS_RUNTIME=${value ?? "(unset)"} → target ${target}`,
        );
        // One image per runtime, so switching does not reuse the other runtime's image.
        assert.equal(interpolate(svc.image ?? "", value), `tenantlens:${value ?? "node"}`);
      }
      assert.deepEqual(svc.command, [name]);
    }
  });

  test("nats publishes its wss:// listener for an edge gateway (loopback by default)", () => {
    const ports = compose.services.nats?.ports ?? [];
    assert.ok(
      ports.some((p) => p.endsWith(`:${WEBSOCKET_PORT}`) && p.includes(`127.0.0.1:${WEBSOCKET_PORT}`)),
      JSON.stringify(ports),
    );
  });
});

describe("the entrypoint run outside Docker picks the runtime", { timeout: 300_000 }, () => {
  after(() => cleanup());

  const sh = (args: string[], env: Record<string, string>) =>
    spawnSync("sh", [entrypointScript, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      encoding: "utf8",
    });

  test("knows every service compose runs", () => {
    const script = readFileSync(entrypointScript, "utf8");
    const services = /^\s*([a-z|]+)\) entry="services\/\$service\/src\/index\.ts"/m
      .exec(script)?.[1]
      ?.split("|");
    assert.ok(services, "the entrypoint's list of services");
    for (const name of SERVICES) assert.ok(services.includes(name), `the entrypoint runs ${name}`);
  });

  test("refuses an unknown service, an unknown runtime and the edge entry on Node", () => {
    const noService = sh(["nope"], {});
    assert.equal(noService.status, 64);
    assert.match(noService.stderr, /usage: <auth\|poller/);
    const badRuntime = sh(["gateway"], { TENANTLENS_RUNTIME: "bun" });
    assert.equal(badRuntime.status, 64);
    assert.match(badRuntime.stderr, /TENANTLENS_RUNTIME must be node or deno, not "bun"/);
    const edgeOnNode = sh(["gateway-edge"], { TENANTLENS_RUNTIME: "node" });
    assert.equal(edgeOnNode.status, 64);
    assert.match(edgeOnNode.stderr, /gateway-edge runs on Deno/);
  });

  for (const runtime of RUNTIMES) {
    test(`TENANTLENS_RUNTIME=${runtime}: the gateway runs on ${runtime} itself (exec, no shell left)`, async () => {
      const nats = await startNats();
      const port = await freePort();
      const proc = await startService(
        "gateway",
        {
          ...nats.env("gateway"),
          TENANTLENS_RUNTIME: runtime,
          GATEWAY_PORT: String(port),
          GATEWAY_HOST: "127.0.0.1",
          TENANTLENS_API_KEY: "container-admin-key-0123456789",
        },
        { command: { command: "sh", args: [entrypointScript, "gateway"] }, readyTimeoutMs: 90_000 },
      );
      // The pid the test started is the runtime's: the script exec'd it.
      const exe = realpathSync(`/proc/${proc.pid}/exe`);
      const expected = runtime === "deno" ? realpathSync(denoBinary()) : realpathSync(process.execPath);
      assert.equal(exe, expected, proc.logs());
      const res = await fetch(`http://127.0.0.1:${port}/openapi.json`);
      assert.equal(res.status, 200);
      assert.equal(await proc.stop(), 0, proc.logs());
      await nats.stop();
    });
  }
});
