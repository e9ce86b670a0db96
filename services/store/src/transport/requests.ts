import type { Bus } from "@tenantlens/bus";
import { DeadLetterList, GenerationGet, IngestStatus, PollList, TableCounts } from "@tenantlens/contracts";
import { listDeadLetters } from "../adapters/dead-letters.js";
import { countTables, getGeneration, ingestStatus, listPolls } from "../adapters/reads.js";
import type { Warehouse } from "../warehouse.js";

/** Request/reply: answered from committed data on the read connection, never waiting for writes. */
export function serveRequests(bus: Bus, warehouse: Warehouse): void {
  const read = () => warehouse.db.read();
  bus.serve(GenerationGet, async (req) => ({
    generation: await getGeneration(read(), req.workspaceId, req.generationId),
  }));
  bus.serve(PollList, async (req) => ({ polls: await listPolls(read(), req) }));
  bus.serve(IngestStatus, async () => ingestStatus(read()));
  bus.serve(DeadLetterList, async (req) => ({ deadLetters: await listDeadLetters(read(), req) }));
  bus.serve(TableCounts, async (req) => ({ tables: await countTables(read(), warehouse.schema, req) }));
}
