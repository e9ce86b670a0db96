import { randomBytes } from "node:crypto";
import type { Bus } from "@tenantlens/bus";
import {
  AppError,
  ConsentComplete,
  GenerationGet,
  type Integration,
  IntegrationCreate,
  IntegrationDelete,
  IntegrationGet,
  IntegrationList,
  IntegrationUpdate,
  PollList,
  PollProgress,
  type PollRecord,
  PollStart,
  TableCounts,
} from "@tenantlens/contracts";

/**
 * Small in-memory responders for the auth, poller and store subjects, served over the real NATS
 * server of the test, so gateway route tests control integration and poll states precisely. The
 * query routes are tested against the real query service (harness `realQuery`); the end-to-end test
 * (e2e/) runs every real service.
 */
export interface StandIns {
  integrations: Map<string, Integration>;
  polls: PollRecord[];
  /** Marks the latest poll of an integration committed (as the store would after its commit). */
  commitLatest(integrationId: string, counts: Record<string, number>): void;
  /** Requests each stand-in received, by subject. */
  received: Map<string, unknown[]>;
}

function id(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString("hex")}`;
}

export function serveStandIns(bus: Bus): StandIns {
  const integrations = new Map<string, Integration>();
  const polls: PollRecord[] = [];
  const counts = new Map<string, Record<string, number>>();
  const received = new Map<string, unknown[]>();
  const note = (subject: string, req: unknown) => {
    received.set(subject, [...(received.get(subject) ?? []), req]);
  };
  const scoped = (workspaceId: string, integrationId: string): Integration => {
    const i = integrations.get(integrationId);
    if (!i || i.workspaceId !== workspaceId)
      throw new AppError("not_found", `no integration ${integrationId}`);
    return i;
  };
  const now = () => new Date().toISOString();

  bus.serve(IntegrationCreate, async (req) => {
    note(IntegrationCreate.subject, req);
    const at = now();
    const delegated = req.auth.mode === "delegated";
    const integration: Integration = {
      id: id("int").slice(0, 24),
      workspaceId: req.workspaceId,
      name: req.name,
      tenantId: req.tenantId ?? null,
      authMode: req.auth.mode,
      clientId: req.auth.mode === "app" ? req.auth.clientId : null,
      status: delegated ? "pending_consent" : "active",
      statusReason: delegated ? "waiting for an administrator to consent" : null,
      enabled: true,
      createdAt: at,
      updatedAt: at,
    };
    integrations.set(integration.id, integration);
    return delegated
      ? { integration, consentUrl: `https://login.example.test/authorize?state=${integration.id}` }
      : { integration };
  });
  bus.serve(IntegrationGet, async (req) => scoped(req.workspaceId, req.id));
  bus.serve(IntegrationList, async (req) => ({
    integrations: [...integrations.values()].filter((i) => i.workspaceId === req.workspaceId),
  }));
  bus.serve(IntegrationUpdate, async (req) => {
    const i = scoped(req.workspaceId, req.id);
    const next = { ...i, ...(req.enabled !== undefined ? { enabled: req.enabled } : {}), updatedAt: now() };
    integrations.set(i.id, next);
    return next;
  });
  bus.serve(IntegrationDelete, async (req) => {
    scoped(req.workspaceId, req.id);
    integrations.delete(req.id);
    return { deleted: true as const };
  });
  bus.serve(ConsentComplete, async (req) => {
    note(ConsentComplete.subject, req);
    const i = integrations.get(req.state);
    if (!i) throw new AppError("not_found", "this consent link has expired or was already used");
    const next: Integration = req.error
      ? { ...i, status: "pending_consent", statusReason: `consent declined: ${req.error}` }
      : { ...i, status: "active", statusReason: null };
    integrations.set(i.id, next);
    return { integration: next };
  });

  bus.serve(PollStart, async (req) => {
    note(PollStart.subject, req);
    const running = polls.find((p) => p.integrationId === req.integrationId && p.status === "running");
    if (running) return { pollId: running.pollId, alreadyRunning: true };
    const poll: PollRecord = {
      pollId: id("poll").slice(0, 25),
      integrationId: req.integrationId,
      workspaceId: req.workspaceId,
      status: "running",
      outcome: null,
      reason: req.reason,
      error: null,
      startedAt: now(),
      completedAt: null,
      committedAt: null,
      generationId: null,
      resources: [],
      changes: { added: 0, modified: 0, removed: 0 },
    };
    polls.unshift(poll);
    return { pollId: poll.pollId, alreadyRunning: false };
  });
  // The running poll's progress, as the pollers would tell it: users half read.
  bus.serve(PollProgress, async (req) => {
    const running = polls.find(
      (p) =>
        p.integrationId === req.integrationId && p.workspaceId === req.workspaceId && p.status === "running",
    );
    if (!running) return { progress: null };
    return {
      progress: {
        pollId: running.pollId,
        startedAt: running.startedAt,
        resources: [
          {
            resource: "users",
            state: "running" as const,
            mode: "full" as const,
            objects: 2,
            pages: 1,
            estimate: 3,
            outcome: null,
            cost: null,
          },
        ],
      },
    };
  });
  // No warehouse generation yet: the real query service then sees no tables at all.
  bus.serve(GenerationGet, async () => ({ generation: null }));
  bus.serve(PollList, async (req) => ({
    polls: polls
      .filter(
        (p) =>
          p.workspaceId === req.workspaceId && (!req.integrationId || p.integrationId === req.integrationId),
      )
      .slice(0, req.limit),
  }));
  bus.serve(TableCounts, async (req) => {
    const c = counts.get(req.integrationId) ?? {};
    const own = integrations.get(req.integrationId)?.workspaceId === req.workspaceId;
    return {
      tables: own
        ? Object.entries(c).map(([table, rows]) => ({ resource: table.replace("azuread_", ""), table, rows }))
        : [],
    };
  });
  return {
    integrations,
    polls,
    received,
    commitLatest(integrationId, tableCounts) {
      const p = polls.find((x) => x.integrationId === integrationId);
      if (!p) throw new Error(`no poll for ${integrationId}`);
      const at = now();
      Object.assign(p, {
        status: "succeeded",
        outcome: "succeeded",
        completedAt: at,
        committedAt: at,
        generationId: 1,
        resources: [
          {
            resource: "users",
            mode: "full",
            outcome: "complete",
            reason: null,
            objectCount: 3,
            cost: { requests: 2, throttled: 1, retries: 1, bytes: 900, units: 2, durationMs: 40 },
          },
          {
            resource: "groups",
            mode: "full",
            outcome: "complete",
            reason: null,
            objectCount: 2,
            cost: { requests: 1, throttled: 0, retries: 0, bytes: 300, units: 1, durationMs: 10 },
          },
        ],
      });
      counts.set(integrationId, tableCounts);
    },
  };
}
