import type { Bus } from "@tenantlens/bus";
import { DeadLetterList, GenerationGet, IngestStatus, PollList, TableCounts } from "@tenantlens/contracts";
import { listDeadLetters } from "../adapters/dead-letters.js";
import { countTables, getGeneration, ingestStatus, listPolls } from "../adapters/reads.js";
import { owns, type Shard, shardName, UNSHARDED } from "../domain/shard.js";
import type { Warehouse } from "../warehouse.js";

/**
 * Request/reply: answered from committed data on the read connection, never waiting for writes.
 * Sharded, each shard has a queue group of its own and answers the requests of its workspaces;
 * requests naming no workspace are answered by shard 0 from its own data.
 */
export function serveRequests(bus: Bus, warehouse: Warehouse, shard: Shard = UNSHARDED): void {
  const read = () => warehouse.db.read();
  const queue = shardName(shard, "store");
  const mine = (req: { workspaceId?: string | undefined }) =>
    req.workspaceId === undefined ? shard.index === 0 : owns(shard, req.workspaceId);
  const opts = { queue, claims: mine };
  bus.serve(
    GenerationGet,
    async (req) => ({ generation: await getGeneration(read(), req.workspaceId, req.generationId) }),
    opts,
  );
  bus.serve(PollList, async (req) => ({ polls: await listPolls(read(), req) }), opts);
  bus.serve(IngestStatus, async () => ingestStatus(read()), { queue, claims: () => shard.index === 0 });
  bus.serve(DeadLetterList, async (req) => ({ deadLetters: await listDeadLetters(read(), req) }), opts);
  bus.serve(TableCounts, async (req) => ({ tables: await countTables(read(), warehouse.schema, req) }), opts);
}
