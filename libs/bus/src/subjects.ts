import type { EventDef } from "@tenantlens/contracts";

/** The subject pattern one event occupies: `<subject>.*` when it carries a token, else `<subject>`. */
export function eventPattern(def: EventDef): string {
  return def.token ? `${def.subject}.*` : def.subject;
}

/**
 * Subjects a stream captures: exactly the patterns of the events that name it, never a broad `x.>`
 * (a stream capturing a request subject would answer core requests with PubAcks).
 */
export function streamSubjects(stream: string, events: readonly EventDef[]): string[] {
  const subjects = new Set(events.filter((e) => e.stream === stream).map(eventPattern));
  return [...subjects].sort();
}

/**
 * The consumer's filter subject: none when the handled events are every event of the stream, the
 * event's pattern when there is one, otherwise an error (nats-server 2.9 allows one filter).
 */
export function consumerFilter(
  stream: string,
  handled: readonly EventDef[],
  streamEvents: readonly EventDef[],
): string | undefined {
  const wanted = new Set(handled.map(eventPattern));
  const all = new Set(streamSubjects(stream, streamEvents));
  const coversAll = [...all].every((s) => wanted.has(s));
  if (coversAll) return undefined;
  if (wanted.size === 1) return [...wanted][0];
  throw new Error(
    `consumer on ${stream} handles ${[...wanted].join(", ")} but the stream also carries ` +
      `${[...all].filter((s) => !wanted.has(s)).join(", ")}; nats-server 2.9 allows one filter subject per ` +
      "consumer: handle every event of the stream in one consumer, or use one consumer per event",
  );
}

/** Finds the definition a concrete subject belongs to (exact subject, or subject + one token). */
export function subjectMatcher<T extends { def: EventDef }>(
  items: readonly T[],
): (subject: string) => T | undefined {
  const exact = new Map<string, T>();
  const tokened = new Map<string, T>();
  for (const item of items) (item.def.token ? tokened : exact).set(item.def.subject, item);
  return (subject) => {
    const hit = exact.get(subject);
    if (hit) return hit;
    const dot = subject.lastIndexOf(".");
    return dot > 0 ? tokened.get(subject.slice(0, dot)) : undefined;
  };
}
