import { statSync } from "node:fs";
import { bytesUnder } from "@tenantlens/config";
import type { Generation } from "@tenantlens/contracts";
import { LATENCY_BUCKETS_SECONDS, meter } from "@tenantlens/telemetry";

/**
 * The store's metrics (exported on TL_METRICS_PORT): rows ingested (rate() of the counter is the
 * ingest speed), collection messages by outcome, generations committed and how long after the
 * newest page they contain was collected (generation lag), and the bytes on disk of the warehouse
 * file, its WAL and the generations directory (read when scraped).
 */
export class StoreMetrics {
  private readonly m = meter("store");
  private readonly rows = this.m.createCounter("tenantlens_store_ingest_rows", {
    description: "Objects and removals applied to the warehouse from collected pages",
  });
  private readonly messages = this.m.createCounter("tenantlens_store_messages", {
    description: "Collection messages handled, by subject and outcome (applied, duplicate, ignored)",
  });
  private readonly generations = this.m.createCounter("tenantlens_store_generations", {
    description: "Generations committed and announced",
  });
  private readonly lag = this.m.createHistogram("tenantlens_store_generation_lag_seconds", {
    description: "From the collection of the newest page a generation contains to its announcement",
    unit: "s",
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_SECONDS },
  });
  private readonly lastCommitted = this.m.createObservableGauge(
    "tenantlens_store_last_generation_timestamp_seconds",
    { description: "When the newest generation of any workspace was committed (Unix seconds)" },
  );
  /** Newest page collection time per workspace not yet in an announced generation. */
  private readonly pending = new Map<string, number>();
  private newest: number | null = null;

  private readonly disk = this.m.createObservableGauge("tenantlens_store_disk_bytes", {
    description:
      "Bytes on disk: the warehouse file (part=warehouse), its WAL (wal), generations/ (generations)",
    unit: "By",
  });

  constructor(lastCommittedAt: Date | null, files?: { warehouse: string; generations: string }) {
    this.newest = lastCommittedAt ? lastCommittedAt.getTime() : null;
    this.lastCommitted.addCallback((r) => {
      if (this.newest !== null) r.observe(this.newest / 1000);
    });
    if (files)
      this.disk.addCallback((r) => {
        r.observe(fileBytes(files.warehouse), { part: "warehouse" });
        r.observe(fileBytes(`${files.warehouse}.wal`), { part: "wal" });
        r.observe(bytesUnder(files.generations, new Set()), { part: "generations" });
      });
  }

  message(subject: string, status: string): void {
    this.messages.add(1, { subject, status });
  }

  page(workspaceId: string, resource: string, rows: number, collectedAt: string): void {
    this.rows.add(rows, { resource });
    const t = Date.parse(collectedAt);
    this.pending.set(workspaceId, Math.max(this.pending.get(workspaceId) ?? 0, t));
  }

  announced(g: Generation): void {
    const committed = Date.parse(g.committedAt);
    this.generations.add(1);
    this.newest = this.newest === null ? committed : Math.max(this.newest, committed);
    const collected = this.pending.get(g.workspaceId);
    if (collected !== undefined && g.pollIds.length > 0) {
      this.lag.record(Math.max(0, Date.now() - collected) / 1000);
      this.pending.delete(g.workspaceId);
    }
  }

  /** ISO time of the newest committed generation (for the heartbeat), null before the first. */
  lastGenerationAt(): string | null {
    return this.newest === null ? null : new Date(this.newest).toISOString();
  }
}

function fileBytes(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
