// `npm start` entry in plain JavaScript: it must run before dependencies (tsx included) exist.
// Checks Node.js, installs the npm dependencies when they are missing, then runs start.ts.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 10)) {
  process.stderr.write(`npm start: Node.js 20.10 or newer is needed (this is ${process.versions.node}).\n`);
  process.exit(1);
}
if (!existsSync(path.join(root, "node_modules", "tsx", "package.json"))) {
  process.stdout.write("launcher | dependencies are not installed: running npm ci (once)…\n");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    process.stderr.write(
      "npm start: `npm ci` failed (see above). Fix it, run `npm install`, then `npm start` again.\n",
    );
    process.exit(1);
  }
}
const { register } = await import("tsx/esm/api");
register();
await import("./start.ts");
