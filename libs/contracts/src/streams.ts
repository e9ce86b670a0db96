export interface StreamDef {
  name: string;
  description: string;
  maxAgeSeconds: number;
  duplicateWindowSeconds: number;
  maxBytes?: number;
}

const DAY = 86_400;

/** Every JetStream stream. Subjects are derived from the events that name the stream. */
export const streams: Record<string, StreamDef> = {
  TL_AUTH: {
    name: "TL_AUTH",
    description: "Integration lifecycle (created, updated, broken, deleted)",
    maxAgeSeconds: 30 * DAY,
    duplicateWindowSeconds: 120,
  },
  TL_COLLECT: {
    name: "TL_COLLECT",
    description: "What the poller read from Graph, in order, until the store commits it",
    maxAgeSeconds: 7 * DAY,
    duplicateWindowSeconds: 600,
    maxBytes: 20 * 1024 ** 3,
  },
  TL_STORE: {
    name: "TL_STORE",
    description: "Committed warehouse generations; polls the store could not ingest",
    maxAgeSeconds: 7 * DAY,
    duplicateWindowSeconds: 120,
  },
  TL_RULES: {
    name: "TL_RULES",
    description: "Rule changes, evaluations, violation transitions and compliance scores",
    maxAgeSeconds: 30 * DAY,
    duplicateWindowSeconds: 600,
  },
  TL_NOTIFY: {
    name: "TL_NOTIFY",
    description: "Notification delivery log (every state change of every message)",
    maxAgeSeconds: 7 * DAY,
    duplicateWindowSeconds: 120,
  },
  TL_WORKSPACE: {
    name: "TL_WORKSPACE",
    description: "Workspace deletions and each service's purge of the deleted workspace",
    maxAgeSeconds: 90 * DAY,
    duplicateWindowSeconds: 120,
  },
  TL_PROVISION: {
    name: "TL_PROVISION",
    description: "Provisioning operations (each state of each operation, for provisioning_operations)",
    maxAgeSeconds: 30 * DAY,
    duplicateWindowSeconds: 600,
  },
  TL_HEALTH: {
    name: "TL_HEALTH",
    description: "Service heartbeats (liveness, readiness and consumer lag of every instance)",
    maxAgeSeconds: 3600,
    duplicateWindowSeconds: 60,
  },
  TL_QUERY: {
    name: "TL_QUERY",
    description: "Executed analyst queries (for query history)",
    maxAgeSeconds: 7 * DAY,
    duplicateWindowSeconds: 120,
  },
};
