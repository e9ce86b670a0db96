#!/usr/bin/env node
// The repo stands on its own: every repo path that code comments and docs cite must exist, and
// nothing cites notes kept outside the repo. Run by `npm test`; exits 1 listing each bad citation.
//   node scripts/check-doc-refs.mjs
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TOP = ["libs", "services", "docs", "deploy", "bench", "scripts", ".ci"];
// A cited path starts at a top-level folder (not inside a URL, a package name or another path).
const CITATION = new RegExp(
  `(?<![\\w@/.:-])((?:${TOP.map((t) => t.replace(".", "\\.")).join("|")})/[A-Za-z0-9_./-]*[A-Za-z0-9_/])`,
  "g",
);
// Notes that live outside the repo and must not be relied on.
const OUTSIDE =
  /\.\.\/shared\/|\b(?:DESIGN|STYLE)\.md\b|\bSTYLE item\b|\b(?:graph-catalog|rules-catalog|stack-notes)\.md\b|\bplatform-facts\b/;
const SCANNED = /\.(ts|mts|mjs|js|md|yml|yaml|json)$/;

const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root })
  .toString()
  .split("\n")
  .filter((f) => SCANNED.test(f) && !f.endsWith("package-lock.json") && existsSync(path.join(root, f)));

const problems = [];
for (const file of files) {
  const lines = readFileSync(path.join(root, file), "utf8").split("\n");
  lines.forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    if (OUTSIDE.test(line) && file !== "scripts/check-doc-refs.mjs")
      problems.push(`${where}: cites notes outside the repo`);
    for (const m of line.matchAll(CITATION)) {
      const cited = m[1].replace(/\/+$/, "");
      // Patterns and placeholders (`services/<name>/`, `libs/*/src`) are not paths.
      if (/[<>*{}]/.test(line.slice(m.index, m.index + m[0].length + 1))) continue;
      if (!existsSync(path.join(root, cited))) problems.push(`${where}: ${cited} does not exist`);
    }
  });
}

if (problems.length > 0) {
  console.error(
    `cited paths that do not exist (${problems.length}):\n${problems.map((p) => `  ${p}`).join("\n")}`,
  );
  process.exit(1);
}
console.log(`doc references: ${files.length} files checked, every cited repo path exists`);
