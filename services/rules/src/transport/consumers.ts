import { type Bus, type Consumer, on } from "@tenantlens/bus";
import { GenerationCommitted } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { RulesEngine } from "../engine.js";

/**
 * Durable consumer `rules` on TL_STORE: every committed generation, acknowledged once its run is
 * committed (or it needs none). Different workspaces run side by side; one workspace's generations
 * run in order (the engine's queue).
 */
export function consumeGenerations(
  bus: Bus,
  engine: RulesEngine,
  log: Logger,
  opts: { ackWaitSeconds: number },
): Promise<Consumer> {
  return bus.consume({
    durable: "rules",
    stream: "TL_STORE",
    concurrency: 4,
    maxAckPending: 64,
    ackWaitSeconds: opts.ackWaitSeconds,
    handlers: [
      on(GenerationCommitted, async (g) => {
        const outcome = await engine.onGeneration(g);
        log.debug(
          { workspaceId: g.workspaceId, generationId: g.generationId, outcome },
          "generation handled",
        );
      }),
    ],
  });
}
