#!/usr/bin/env node
// Runs the repo's tests with node:test.
//   node scripts/test.mjs                 type-check + lint + cited paths, then every *.test.ts under libs/*/src and services/*/src
//   node scripts/test.mjs libs/bus [...]  only the tests under those dirs (or those files), no checks
// The full run ends with a Deno pass: the end-to-end tests in DENO_E2E again, every service process
// (query workers included) on Deno (TENANTLENS_RUNTIME=deno; the test runner itself stays on Node).
// TEST_CONCURRENCY sets how many test files run at once (default 2: the build machines have 2 cores).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);

/** End-to-end suites that start every service as its own process; the full run repeats them on Deno. */
const DENO_E2E = ["services/gateway/src/e2e/e2e.test.ts"];

/** Runs a command in the repo root with inherited stdio; resolves with its exit code. */
function run(cmd, cmdArgs, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { cwd: root, stdio: "inherit", env });
    const forward = (signal) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("error", (err) => {
      console.error(`could not run ${cmd}: ${err.message}`);
      resolve(1);
    });
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

function findTests(dir, out) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findTests(full, out);
    else if (entry.isFile() && entry.name.endsWith(".test.ts")) out.push(full);
  }
  return out;
}

function packageSrcDirs() {
  const dirs = [];
  for (const group of ["libs", "services"]) {
    const base = path.join(root, group);
    if (!existsSync(base)) continue;
    for (const pkg of readdirSync(base).sort()) dirs.push(path.join(base, pkg, "src"));
  }
  dirs.push(path.join(root, "deploy"));
  return dirs;
}

let files = [];
if (args.length === 0) {
  for (const [cmd, cmdArgs, what] of [
    ["npx", ["tsc", "-p", "tsconfig.json"], "type-check"],
    ["npx", ["biome", "check", "."], "lint"],
    [process.execPath, ["scripts/check-doc-refs.mjs"], "doc references"],
  ]) {
    console.log(`> ${cmd} ${cmdArgs.join(" ")}`);
    const code = await run(cmd, cmdArgs);
    if (code !== 0) {
      console.error(`${what} failed (exit ${code})`);
      process.exit(code);
    }
  }
  for (const dir of packageSrcDirs()) findTests(dir, files);
} else {
  for (const arg of args) {
    const target = path.resolve(process.cwd(), arg);
    if (!existsSync(target)) {
      console.error(`no such file or directory: ${arg}`);
      process.exit(2);
    }
    if (statSync(target).isFile()) files.push(target);
    else findTests(existsSync(path.join(target, "src")) ? path.join(target, "src") : target, files);
  }
}

files = [...new Set(files)].sort().map((f) => path.relative(root, f));
if (files.length === 0) {
  console.log("no *.test.ts files found");
  process.exit(0);
}

// biome-ignore lint/suspicious/noUndeclaredEnvVars: read by this script only, not a turbo task input
const concurrency = Number.parseInt(process.env.TEST_CONCURRENCY ?? "2", 10) || 2;
const nodeTest = (testFiles) => [
  "--import",
  "tsx",
  "--test",
  `--test-concurrency=${concurrency}`,
  "--test-timeout=600000",
  ...testFiles,
];
const code = await run(process.execPath, nodeTest(files));
if (code !== 0 || args.length > 0) process.exit(code);
console.log(`> TENANTLENS_RUNTIME=deno: ${DENO_E2E.join(" ")}`);
process.exit(await run(process.execPath, nodeTest(DENO_E2E), { ...process.env, TENANTLENS_RUNTIME: "deno" }));
