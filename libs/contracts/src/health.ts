import { z } from "zod";
import { Timestamp } from "./common.js";
import { defineEvent, SERVICE_NAMES } from "./define.js";

/** One durable consumer's backlog as JetStream reports it. */
export const ConsumerLag = z.object({
  stream: z.string().min(1),
  durable: z.string().min(1),
  /** Messages on the stream the consumer has not been handed yet (num_pending). */
  pending: z.number().int().nonnegative(),
  /** Messages handed out and not acknowledged yet (num_ack_pending). */
  ackPending: z.number().int().nonnegative(),
});
export type ConsumerLag = z.infer<typeof ConsumerLag>;

/**
 * Every instance of every service says it is alive every few seconds (TL_HEARTBEAT_SECONDS); the
 * gateway's /healthz summarises the newest of each. The stream keeps an hour of them.
 */
export const ServiceHeartbeat = defineEvent({
  subject: "system.health.reported",
  stream: "TL_HEALTH",
  publishers: [...SERVICE_NAMES],
  subscribers: ["gateway"],
  untraced: true,
  schema: z.object({
    service: z.enum(SERVICE_NAMES),
    /** This process (several replicas of a service have different ones). */
    instance: z.string().min(1).max(200),
    startedAt: Timestamp,
    at: Timestamp,
    intervalSeconds: z.number().positive(),
    /** The same answer as the instance's /readyz. */
    ready: z.boolean(),
    consumers: z.array(ConsumerLag),
    /** Store only: when the newest generation of any workspace was committed. */
    lastGenerationAt: Timestamp.nullable().optional(),
  }),
  token: (p) => p.service,
  msgId: (p) => `${p.instance}.${p.at}`,
});
export type ServiceHeartbeat = z.infer<typeof ServiceHeartbeat.schema>;
