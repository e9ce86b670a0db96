import path from "node:path";
import { catalog } from "@tenantlens/graph";
import { Warehouse } from "../warehouse.js";
import { tempDir } from "./fixtures.js";

export interface TempWarehouse {
  wh: Warehouse;
  /** The temp dir holding the DuckDB file (other on-disk state of a test may go here too). */
  dir: string;
  /** Closes the warehouse, then removes `dir`. */
  close(): Promise<void>;
}

/** A Warehouse with the real catalog on a fresh DuckDB file in its own temp dir (one per suite). */
export async function openTempWarehouse(file = "w.duckdb"): Promise<TempWarehouse> {
  const t = await tempDir();
  const wh = await Warehouse.open({ file: path.join(t.dir, file), catalog });
  return {
    wh,
    dir: t.dir,
    async close() {
      await wh.close();
      await t.cleanup();
    },
  };
}
