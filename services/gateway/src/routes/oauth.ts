import { AppError, ConsentComplete } from "@tenantlens/contracts";
import { Hono } from "hono";
import { html } from "hono/html";
import { page } from "../console/layout.js";
import type { AppEnv, GatewayDeps } from "../env.js";

/**
 * The OAuth redirect URI. Everything Entra sends is passed to auth, which owns the one-time state;
 * the browser gets a small page saying what happened.
 */
export function oauthRoutes(deps: GatewayDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/oauth/callback", async (c) => {
    const q = c.req.query();
    const state = q.state;
    if (!state) {
      return c.html(
        result("Consent not completed", "The link has no state parameter. Start again from Tenantlens."),
        400,
      );
    }
    const request = ConsentComplete.request.safeParse({
      state,
      code: q.code,
      error: q.error,
      errorDescription: q.error_description,
      adminConsent: q.admin_consent,
      tenant: q.tenant,
    });
    if (!request.success) {
      return c.html(result("Consent not completed", "The callback parameters are malformed."), 400);
    }
    try {
      const { integration } = await deps.bus.request(ConsentComplete, request.data);
      const ok = integration.status === "active";
      return c.html(
        result(
          ok ? "Tenant connected" : "Consent not completed",
          ok
            ? `${integration.name} is connected. Tenantlens starts collecting its directory now; you can close this page.`
            : (integration.statusReason ?? `The integration is ${integration.status}.`),
        ),
        ok ? 200 : 400,
      );
    } catch (err) {
      if (!(err instanceof AppError) || err.code === "internal") throw err;
      deps.logger.warn({ code: err.code, requestId: c.get("requestId") }, "consent callback failed");
      return c.html(result("Consent not completed", err.message), err.code === "not_found" ? 400 : 502);
    }
  });

  return app;
}

function result(title: string, message: string) {
  return page(title, html`<h1>${title}</h1><p>${message}</p><p><a href="/">Back to Tenantlens</a></p>`);
}
