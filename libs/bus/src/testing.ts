import { Bytes, defineEvent, defineRequest, type StreamDef } from "@tenantlens/contracts";
import { createLogger, type Logger } from "@tenantlens/telemetry";
import { z } from "zod";
import { type Bus, connectBus } from "./bus.js";

/**
 * Test-only contracts: a fresh stream and events per `tag`, so tests sharing one nats-server never
 * see each other's messages.
 */
export function testContracts(tag: string) {
  const stream: StreamDef = {
    name: `T_${tag.toUpperCase()}`,
    description: `bus test ${tag}`,
    maxAgeSeconds: 3600,
    duplicateWindowSeconds: 120,
  };
  const Happened = defineEvent({
    subject: `${tag}.thing.happened`,
    stream: stream.name,
    publishers: ["query"],
    consumers: ["query"],
    schema: z.object({ id: z.string().min(1), group: z.string().regex(/^[a-z0-9]+$/), n: z.number().int() }),
    token: (p) => p.group,
    msgId: (p) => p.id,
  });
  const Noted = defineEvent({
    subject: `${tag}.thing.noted`,
    stream: stream.name,
    publishers: ["query"],
    consumers: ["query"],
    schema: z.object({ id: z.string().min(1), text: z.string() }),
    msgId: (p) => p.id,
  });
  const Echo = defineRequest({
    subject: `${tag}.echo.get`,
    service: "query",
    callers: ["query"],
    errors: ["not_found"],
    request: z.object({
      text: z.string(),
      mode: z.enum(["ok", "not_found", "crash", "slow", "big", "invalid"]),
    }),
    response: z.object({ text: z.string() }),
  });
  /** Bytes both ways: the answer is the request's bytes reversed, with their count. */
  const Reverse = defineRequest({
    subject: `${tag}.reverse.get`,
    service: "query",
    callers: ["query"],
    errors: [],
    request: z.object({ label: z.string(), data: Bytes }),
    response: z.object({ label: z.string(), length: z.number().int(), data: Bytes }),
  });
  return {
    streams: { [stream.name]: stream },
    events: [Happened, Noted],
    stream,
    Happened,
    Noted,
    Echo,
    Reverse,
  };
}

/** A silent logger unless TEST_LOG_LEVEL is set. */
export function testLogger(name = "bus-test"): Logger {
  return createLogger(name, {}, { level: process.env.TEST_LOG_LEVEL ?? "silent" });
}

/** A bus on the test contracts; `target` is `nats.client()` of a testkit server (its unrestricted identity). */
export async function testBus(
  target: { url: string; nkeySeedFile?: string },
  c: ReturnType<typeof testContracts>,
): Promise<Bus> {
  return connectBus({
    ...target,
    service: "query",
    logger: testLogger(),
    maxReconnectAttempts: 0,
    streams: c.streams,
    events: c.events,
  });
}
