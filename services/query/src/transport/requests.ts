import type { Bus } from "@tenantlens/bus";
import {
  QueryExamplesList,
  QueryExecute,
  QueryHistoryList,
  QueryResultRead,
  SavedQueryCreate,
  SavedQueryDelete,
  SavedQueryGet,
  SavedQueryList,
  SavedQueryUpdate,
  TablesList,
} from "@tenantlens/contracts";
import type { QueryService } from "../query-service.js";

/**
 * The query service's NATS requests: decode (the bus validates), call one verb, reply. Parts of a
 * streamed answer are asked of every replica (a queue group of its own each); only the replica
 * streaming it answers.
 */
export function serveQuery(
  bus: Bus,
  svc: QueryService,
  replica: { readerId: string; owns(streamId: string): boolean },
): void {
  bus.serve(QueryExecute, (req) => svc.execute(req));
  bus.serve(QueryResultRead, (req) => svc.readPart(req.workspaceId, req.streamId, req.seq), {
    queue: `query-${replica.readerId}`,
    claims: (req) => replica.owns(req.streamId),
  });
  bus.serve(TablesList, async (req) => ({ tables: await svc.tables(req.workspaceId) }));
  bus.serve(QueryHistoryList, (req) =>
    svc.history(req.workspaceId, { limit: req.limit, actor: req.actor, outcome: req.outcome }),
  );
  bus.serve(QueryExamplesList, async () => ({ examples: [...svc.examples()] }));
  bus.serve(SavedQueryCreate, async (req) => ({ savedQuery: await svc.createSaved(req) }));
  bus.serve(SavedQueryList, async (req) => ({ savedQueries: await svc.listSaved(req.workspaceId) }));
  bus.serve(SavedQueryGet, async (req) => ({ savedQuery: await svc.getSaved(req.workspaceId, req.id) }));
  bus.serve(SavedQueryUpdate, async (req) => ({
    savedQuery: await svc.updateSaved(req.workspaceId, req.id, {
      name: req.name,
      description: req.description,
      sql: req.sql,
    }),
  }));
  bus.serve(SavedQueryDelete, async (req) => {
    await svc.deleteSaved(req.workspaceId, req.id);
    return { deleted: true as const };
  });
}
