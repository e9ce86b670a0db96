import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderRulesDoc } from "./docs.js";

/** `npm run docs:rules`: regenerates docs/rules.md from the managed rule declarations. */
export const RULES_DOC = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../docs/rules.md",
);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(RULES_DOC, renderRulesDoc());
  process.stdout.write(`wrote ${path.relative(process.cwd(), RULES_DOC)}\n`);
}
