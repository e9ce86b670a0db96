/**
 * Child process that runs DuckDB for the query service. It holds no credentials and no NATS connection;
 * the parent can kill it when a query ignores an interrupt. Messages: worker/protocol.ts.
 */
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { openHardenedInstance } from "../sandbox/hardened-instance.js";
import { InstanceCache } from "../sandbox/instance-cache.js";
import { ParquetExporter } from "../sandbox/parquet-export.js";
import type { ParentMessage, WorkerConfig, WorkerMessage } from "./protocol.js";
import { runJob } from "./run-job.js";

const config = JSON.parse(process.argv[2] ?? "{}") as WorkerConfig;
const send = (m: WorkerMessage) => process.send?.(m);

const limits = {
  threads: config.threads,
  memoryLimit: config.memoryLimit,
  maxTempDirectorySize: config.maxTempDirectorySize,
  tempRoot: path.join(config.tempRoot, "spill"),
};
const cache = new InstanceCache((spec) => openHardenedInstance(spec, limits), config.maxInstances);
const exporter = await ParquetExporter.open(path.join(config.tempRoot, "export"));
const connections = new Map<number, DuckDBConnection>();
/**
 * Interrupted jobs, each with a timer that repeats the interrupt until the job ends. DuckDB's interrupt
 * only stops the statement running at that moment: one that lands between two statements of a job
 * (opening, settings, the query itself) would be lost and the query would run to the kill.
 */
const interrupted = new Map<number, NodeJS.Timeout>();
const REPEAT_INTERRUPT_MS = 100;
const running = new Set<number>();

process.on("message", (raw: ParentMessage) => {
  switch (raw.type) {
    case "job": {
      const id = raw.id;
      running.add(id);
      void runJob(raw.job, {
        cache,
        exporter,
        memoryLimit: config.memoryLimit,
        track(conn) {
          connections.set(id, conn);
          // An interrupt that arrived while the instance was still opening applies now.
          if (interrupted.has(id)) conn.interrupt();
          return () => connections.delete(id);
        },
        // Bytes from here on: the service and the gateway pass them on without decoding them.
        onPart: (text, columns) => send({ type: "part", id, bytes: Buffer.from(text, "utf8"), columns }),
      }).then((r) => {
        running.delete(id);
        clearInterval(interrupted.get(id));
        interrupted.delete(id);
        send(
          r.ok
            ? { type: "done", id, ok: true, output: r.output }
            : { type: "done", id, ok: false, failure: r.failure },
        );
      });
      break;
    }
    case "interrupt": {
      const id = raw.id;
      if (!running.has(id) || interrupted.has(id)) break; // finished already, or repeating
      connections.get(id)?.interrupt();
      interrupted.set(
        id,
        setInterval(() => connections.get(id)?.interrupt(), REPEAT_INTERRUPT_MS),
      );
      break;
    }
    case "retire":
      cache.retire(raw.workspaceId, raw.generationId);
      break;
  }
});

// The parent is gone (crash or kill -9): nothing left to answer. Running queries are interrupted
// first, or a long one would keep this orphan computing beside the restarted service's workers.
process.on("disconnect", () => {
  for (const conn of connections.values()) conn.interrupt();
  void cache.closeAll().finally(() => process.exit(0));
});

send({ type: "ready" });
