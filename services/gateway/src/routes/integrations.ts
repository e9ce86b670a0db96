import {
  AppError,
  ConsentStart,
  type Integration,
  IntegrationCreate,
  IntegrationDelete,
  IntegrationGet,
  IntegrationId,
  IntegrationList,
  IntegrationUpdate,
  PollList,
  PollStart,
  TableCounts,
} from "@tenantlens/contracts";
import { Hono } from "hono";
import { countsByTable, pollView } from "../domain/poll-view.js";
import type { AppEnv, GatewayDeps } from "../env.js";
import { readJson, readQuery } from "../http/body.js";
import {
  CreateIntegrationInput,
  type IntegrationView,
  PollHistoryQuery,
  StartPollBody,
  UpdateIntegrationBody,
} from "../schemas.js";

/** auth checks credentials with Entra (its own timeout is 30 s) before it answers. */
const CHECK_TIMEOUT_MS = 40_000;

/** Integration setup and collection: thin over auth (integrations), poller (polls) and store (status). */
export function integrationRoutes(deps: GatewayDeps): Hono<AppEnv> {
  const { bus } = deps;
  const app = new Hono<AppEnv>();

  // Validates the id and proves the integration belongs to the caller's workspace.
  async function owned(workspaceId: string, rawId: string): Promise<Integration> {
    const id = IntegrationId.safeParse(rawId);
    if (!id.success) throw new AppError("not_found", `no integration ${rawId}`);
    return bus.request(IntegrationGet, { workspaceId, id: id.data });
  }

  // Store-side details are optional: while the store restarts the integration is still shown.
  async function withStatus(integration: Integration): Promise<IntegrationView> {
    const { workspaceId, id } = integration;
    const [polls, counts] = await Promise.allSettled([
      bus.request(PollList, { workspaceId, integrationId: id, limit: 1 }),
      bus.request(TableCounts, { workspaceId, integrationId: id }),
    ]);
    const view: IntegrationView = { ...integration, lastPoll: null, counts: null };
    if (polls.status === "fulfilled") {
      const last = polls.value.polls[0];
      view.lastPoll = last ? pollView(last) : null;
    }
    if (counts.status === "fulfilled") view.counts = countsByTable(counts.value.tables);
    const failed = [polls, counts].find((r) => r.status === "rejected");
    if (failed) {
      if (!isTransient(failed.reason)) throw failed.reason;
      view.unavailable = ["store"];
    }
    return view;
  }

  app.post("/integrations", async (c) => {
    const input = await readJson(c, CreateIntegrationInput);
    const { workspaceId } = c.get("principal");
    const res = await bus.request(
      IntegrationCreate,
      { ...input, workspaceId },
      { timeoutMs: CHECK_TIMEOUT_MS },
    );
    const body = { id: res.integration.id, status: res.integration.status, integration: res.integration };
    return c.json(res.consentUrl ? { ...body, consentUrl: res.consentUrl } : body, 201);
  });

  app.get("/integrations", async (c) => {
    const { workspaceId } = c.get("principal");
    const { integrations } = await bus.request(IntegrationList, { workspaceId });
    return c.json({ integrations: await Promise.all(integrations.map(withStatus)) });
  });

  app.get("/integrations/:id", async (c) => {
    const integration = await owned(c.get("principal").workspaceId, c.req.param("id"));
    return c.json(await withStatus(integration));
  });

  // Ownership first, then the body: another workspace's id is 404 whatever the body says.
  app.patch("/integrations/:id", async (c) => {
    const { workspaceId } = c.get("principal");
    const integration = await owned(workspaceId, c.req.param("id"));
    const body = await readJson(c, UpdateIntegrationBody);
    const updated = await bus.request(
      IntegrationUpdate,
      {
        workspaceId,
        id: integration.id,
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.auth?.clientId !== undefined ? { clientId: body.auth.clientId } : {}),
        ...(body.auth?.clientSecret !== undefined ? { clientSecret: body.auth.clientSecret } : {}),
      },
      { timeoutMs: CHECK_TIMEOUT_MS },
    );
    return c.json(updated);
  });

  app.post("/integrations/:id/consent", async (c) => {
    const { workspaceId } = c.get("principal");
    const integration = await owned(workspaceId, c.req.param("id"));
    const res = await bus.request(ConsentStart, { workspaceId, id: integration.id });
    return c.json({
      id: res.integration.id,
      status: res.integration.status,
      consentUrl: res.consentUrl,
      integration: res.integration,
    });
  });

  app.post("/integrations/:id/polls", async (c) => {
    const { workspaceId } = c.get("principal");
    const integration = await owned(workspaceId, c.req.param("id"));
    const body = await readJson(c, StartPollBody, { allowEmpty: true });
    const res = await bus.request(PollStart, {
      workspaceId,
      integrationId: integration.id,
      reason: "manual",
      ...(body.resources ? { resources: body.resources } : {}),
      ...(body.full !== undefined ? { full: body.full } : {}),
    });
    return c.json(res, 202);
  });

  app.get("/integrations/:id/polls", async (c) => {
    const { workspaceId } = c.get("principal");
    const integration = await owned(workspaceId, c.req.param("id"));
    const { limit } = readQuery(c, PollHistoryQuery);
    const { polls } = await bus.request(PollList, { workspaceId, integrationId: integration.id, limit });
    return c.json({ polls: polls.map(pollView) });
  });

  for (const [action, enabled] of [
    ["disable", false],
    ["enable", true],
  ] as const) {
    app.post(`/integrations/:id/${action}`, async (c) => {
      const { workspaceId } = c.get("principal");
      const integration = await owned(workspaceId, c.req.param("id"));
      return c.json(
        await bus.request(
          IntegrationUpdate,
          { workspaceId, id: integration.id, enabled },
          { timeoutMs: CHECK_TIMEOUT_MS },
        ),
      );
    });
  }

  app.delete("/integrations/:id", async (c) => {
    const { workspaceId } = c.get("principal");
    const integration = await owned(workspaceId, c.req.param("id"));
    return c.json(await bus.request(IntegrationDelete, { workspaceId, id: integration.id }));
  });

  return app;
}

function isTransient(err: unknown): boolean {
  return err instanceof AppError && (err.code === "unavailable" || err.code === "timeout");
}
