import { type Bus, type Consumer, type Handler, type MessageMeta, on } from "@tenantlens/bus";
import {
  allEvents,
  GenerationCommitted,
  IntegrationChanged,
  PollCompleted,
  RuleStatusChanged,
  RunCompleted,
  ScoreRecorded,
  ViolationsChanged,
} from "@tenantlens/contracts";
import type { Evaluator } from "../evaluate.js";
import type { Pipeline } from "../pipeline.js";

/** The inbox key of a message: its Nats-Msg-Id (stable across republishing), else its sequence. */
const keyOf = (stream: string, meta: MessageMeta) => `${stream}:${meta.msgId ?? `#${meta.streamSeq}`}`;

/**
 * Durable consumers, one per stream. Rules events are consumed in order (a run's events precede its
 * RunCompleted). The rules stream carries events the notifier does not alert on; they are consumed
 * and ignored, since nats-server 2.9 allows one filter subject per consumer.
 */
export async function startConsumers(
  bus: Bus,
  pipeline: Pipeline,
  evaluator: Evaluator,
): Promise<Consumer[]> {
  const rulesHandlers: Handler[] = [
    on(ViolationsChanged, (p, m) => pipeline.violationsChanged(p, keyOf("TL_RULES", m))),
    on(RuleStatusChanged, (p, m) => pipeline.ruleStatusChanged(p, keyOf("TL_RULES", m))),
    on(ScoreRecorded, (p, m) => pipeline.scoreRecorded(p, keyOf("TL_RULES", m))),
    on(RunCompleted, (p, m) => pipeline.runCompleted(p, keyOf("TL_RULES", m))),
  ];
  const handled = new Set(rulesHandlers.map((h) => h.def.subject));
  for (const def of allEvents)
    if (def.stream === "TL_RULES" && !handled.has(def.subject))
      rulesHandlers.push({ def, handle: async () => {} });

  return [
    await bus.consume({
      durable: "notifier-rules",
      stream: "TL_RULES",
      ordered: true,
      startAt: "new",
      handlers: rulesHandlers,
    }),
    await bus.consume({
      durable: "notifier-auth",
      stream: "TL_AUTH",
      ordered: true,
      handlers: [on(IntegrationChanged, (p, m) => pipeline.integrationChanged(p, keyOf("TL_AUTH", m)))],
    }),
    await bus.consume({
      durable: "notifier-collect",
      stream: "TL_COLLECT",
      startAt: "new",
      handlers: [on(PollCompleted, (p, m) => pipeline.pollCompleted(p, keyOf("TL_COLLECT", m)))],
    }),
    await bus.consume({
      durable: "notifier-store",
      stream: "TL_STORE",
      ordered: true,
      startAt: "new",
      handlers: [on(GenerationCommitted, (p) => evaluator.generationCommitted(p))],
    }),
  ];
}
