import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { trackDir } from "./registry.js";

/** A fresh directory under the OS temp dir, removed by `cleanup()`/`stopAll()` or at exit. */
export function tempDir(prefix = "tl"): string {
  const dir = mkdtempSync(path.join(tmpdir(), `${prefix.replace(/[^\w-]/g, "_")}-`));
  trackDir(dir);
  return dir;
}

/** Path of a not-yet-existing DuckDB file in its own temp dir (one database per suite). */
export function tempDuckDbPath(name = "test.duckdb"): string {
  return path.join(tempDir("tl-duckdb"), name);
}
