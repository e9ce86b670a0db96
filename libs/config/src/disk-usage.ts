import { type Dirent, readdirSync, statSync } from "node:fs";
import path from "node:path";

/**
 * Bytes of the regular files under `dir`, each file once: generations reuse earlier files by hard
 * link, so a file is counted by its inode. Files removed while walking (generation clean-up) and a
 * missing directory count as 0.
 */
export function bytesUnder(dir: string, seen = new Set<string>()): number {
  let total = 0;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += bytesUnder(p, seen);
    else if (e.isFile()) {
      try {
        const st = statSync(p);
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
        total += st.size;
      } catch {
        // removed meanwhile
      }
    }
  }
  return total;
}
