import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export class PrerequisiteError extends Error {}

const MIN_NODE = [20, 10] as const;

export function checkNode(version = process.versions.node): void {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    throw new PrerequisiteError(
      `Node.js ${MIN_NODE.join(".")} or newer is needed (this is ${version}). Install a current LTS from https://nodejs.org.`,
    );
  }
}

/** The packages the services load at start; a partial install fails here, not in a child. */
export function checkDependencies(repoRoot: string): void {
  // Checked by path: some packages' "exports" do not expose package.json to require.resolve.
  const missing = [
    "hono",
    "@hono/node-server",
    "@nats-io/transport-node",
    "@duckdb/node-api",
    "@azure/msal-node",
    "tsx",
  ].filter((p) => !existsSync(path.join(repoRoot, "node_modules", p, "package.json")));
  if (missing.length > 0) {
    throw new PrerequisiteError(
      `Dependencies are not installed (missing: ${missing.join(", ")}). Run \`npm install\` in ${repoRoot}, then \`npm start\` again.`,
    );
  }
}

function natsServerVersion(): string | null {
  const r = spawnSync("nats-server", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * nats-server must be on PATH. As root on Debian/Ubuntu it is installed from the distribution's
 * package; otherwise the user is told exactly how.
 */
export function ensureNatsServer(log: (line: string) => void): string {
  const found = natsServerVersion();
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (isRoot && hasApt) {
    log("nats-server is not installed: installing it with apt-get (a few seconds)…");
    const r = spawnSync("sh", ["-c", "apt-get update -qq && apt-get install -y -qq nats-server"], {
      stdio: "inherit",
    });
    const after = r.status === 0 ? natsServerVersion() : null;
    if (after) return after;
    throw new PrerequisiteError(
      "Installing nats-server with apt-get failed (see above). Install it yourself, then run npm start again.",
    );
  }
  throw new PrerequisiteError(
    [
      "nats-server is not installed (it is not on PATH). Either:",
      hasApt
        ? "  - install it: sudo apt-get update && sudo apt-get install -y nats-server"
        : "  - install it from https://github.com/nats-io/nats-server/releases and put it on PATH",
      "  - or use a running server with JetStream: NATS_URL=nats://host:4222 npm start",
    ].join("\n"),
  );
}
