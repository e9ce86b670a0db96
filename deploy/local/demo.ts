/** The demo integration, created over the public REST API like a user would. */

export const DEMO_INTEGRATION_NAME = "Demo tenant (simulator)";

export interface DemoTenant {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  displayName?: string;
}

interface IntegrationJson {
  id: string;
  name: string;
  tenantId: string | null;
  clientId: string | null;
  status: string;
  lastPoll?: { status: string; pollId: string } | null;
  counts?: Record<string, number> | null;
}

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }
}

/**
 * Reuses the demo integration of an earlier run (same tenant and app) or creates it, then starts a
 * poll. A broken one (the simulator's secret changed) is replaced.
 */
export async function ensureDemoIntegration(
  api: ApiClient,
  tenant: DemoTenant,
): Promise<{ integrationId: string; reused: boolean; pollId: string }> {
  const { integrations } = await api.call<{ integrations: IntegrationJson[] }>("GET", "/api/integrations");
  let existing = integrations.find(
    (i) =>
      i.name === DEMO_INTEGRATION_NAME && i.tenantId === tenant.tenantId && i.clientId === tenant.clientId,
  );
  if (existing && existing.status === "broken") {
    await api.call("DELETE", `/api/integrations/${existing.id}`);
    existing = undefined;
  }
  const integrationId =
    existing?.id ??
    (
      await api.call<{ id: string }>("POST", "/api/integrations", {
        name: DEMO_INTEGRATION_NAME,
        tenantId: tenant.tenantId,
        auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
      })
    ).id;
  const poll = await api.call<{ pollId: string }>("POST", `/api/integrations/${integrationId}/polls`, {});
  return { integrationId, reused: existing !== undefined, pollId: poll.pollId };
}

/** Waits (bounded) until the integration's last poll is committed; returns its table counts. */
export async function waitForFirstData(
  api: ApiClient,
  integrationId: string,
  opts: { timeoutMs: number; intervalMs?: number; stopped: () => boolean },
): Promise<{ status: string; counts: Record<string, number> } | null> {
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline && !opts.stopped()) {
    try {
      const i = await api.call<IntegrationJson>("GET", `/api/integrations/${integrationId}`);
      const status = i.lastPoll?.status;
      if (status === "succeeded" || status === "partial" || status === "failed") {
        return { status, counts: i.counts ?? {} };
      }
    } catch {
      // a service restarting: try again
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000));
  }
  return null;
}
