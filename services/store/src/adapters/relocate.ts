import path from "node:path";
import type { Db } from "./db.js";

/**
 * Generations record absolute paths (their manifest and each table's Parquet file, in the manifest
 * and in the per-table state later generations reuse). A data directory restored or moved to
 * another path still holds the files, under the new path: at start, every recorded path under
 * another `<dir>/generations/` is rewritten to this directory's. Returns how many generations moved.
 */
export async function relocateGenerations(db: Db, dataDir: string): Promise<number> {
  const here = path.join(dataDir, "generations");
  const rows = await db.read().all(`SELECT DISTINCT manifest->>'manifestPath' AS p FROM "_tl_generations"`);
  // <root>/generations/<workspace>/<n>/manifest.json → <root>/generations
  const roots = new Set(rows.map((r) => path.dirname(path.dirname(path.dirname(String(r.p))))));
  roots.delete(here);
  if (roots.size === 0) return 0;
  // Compared and replaced as they appear inside JSON text.
  const json = (s: string) => JSON.stringify(`${s}/`).slice(1, -1);
  return db.transaction(async (sql) => {
    let moved = 0;
    for (const root of roots) {
      const params = { old: json(root), new: json(here), prefix: `${root}/` };
      const [count] = await sql.all(
        `SELECT count(*)::INTEGER AS n FROM "_tl_generations" WHERE starts_with(manifest->>'manifestPath', $prefix)`,
        { prefix: params.prefix },
      );
      await sql.run(
        `UPDATE "_tl_generations"
         SET manifest = CAST(replace(CAST(manifest AS VARCHAR), $old, $new) AS JSON),
             state = CAST(replace(CAST(state AS VARCHAR), $old, $new) AS JSON)
         WHERE starts_with(manifest->>'manifestPath', $prefix)`,
        params,
      );
      moved += Number(count?.n ?? 0);
    }
    return moved;
  });
}
