import { AppError, ConsentComplete, type Integration } from "@tenantlens/contracts";
import type { Context } from "hono";
import { html } from "hono/html";
import { page } from "../console/layout.js";
import type { AppEnv } from "../env.js";
import { defineRoute } from "../http/route.js";

/** auth redeems the code with Entra (its own timeout is 30 s) before it answers. */
const REDEEM_TIMEOUT_MS = 40_000;

interface Outcome {
  ok: boolean;
  title: string;
  message: string;
  integration?: Integration;
  /** The link back to the integration's page (default: "Watch its first poll"). */
  next?: string;
}

/**
 * The OAuth redirect URI of delegated consent (code) and of app-mode admin consent (`admin_consent`,
 * `tenant`, `scope`). Everything Entra sends is passed to auth, which owns the one-time state. The
 * `tenant` parameter never names an integration's tenant: delegated consent ignores it (only the
 * redeemed tokens may), admin consent only refuses one that differs from the integration's. The
 * browser gets a small page (every value escaped) saying what happened and what to do next.
 */
export const oauthCallback = defineRoute({
  method: "GET",
  path: "/oauth/callback",
  summary: "OAuth redirect URI: completes a delegated or admin consent (HTML)",
  tags: ["integrations"],
  access: "public",
  // Every failure is a page saying what happened: 400 for a consent that cannot complete, 503 when
  // auth or the identity platform cannot be reached, 500 for a bug.
  errors: ["bad_request", "unavailable"],
  errorBodies: { bad_request: "text/html", unavailable: "text/html", internal: "text/html" },
  success: { status: 200, contentTypes: ["text/html"] },
  handler: async (c, _input, deps) => {
    const q = c.req.query();
    if (!q.state) {
      return render(
        c,
        400,
        failed("The link has no state parameter. Start the consent again from Tenantlens."),
      );
    }
    const request = ConsentComplete.request.safeParse({
      state: q.state,
      code: q.code,
      error: q.error,
      errorDescription: q.error_description,
      adminConsent: q.admin_consent,
      tenant: q.tenant,
    });
    if (!request.success) {
      return render(
        c,
        400,
        failed("The callback parameters are malformed. Start the consent again from Tenantlens."),
      );
    }
    try {
      const res = await deps.bus.request(ConsentComplete, request.data, { timeoutMs: REDEEM_TIMEOUT_MS });
      const i = res.integration;
      const connected = res.outcome ? res.outcome === "connected" : i.status === "active";
      if (connected && res.purpose === "provision") {
        return render(c, 200, {
          ok: true,
          title: "Provisioning enabled",
          message: res.message ?? "Provisioning enabled.",
          integration: i,
          next: "Back to the integration",
        });
      }
      if (connected) {
        return render(c, 200, {
          ok: true,
          title: "Tenant connected",
          message: `${i.name} is connected${i.tenantId ? ` to tenant ${i.tenantId}` : ""}. Tenantlens starts collecting its directory now.`,
          integration: i,
        });
      }
      return render(c, 400, {
        ...failed(res.message ?? i.statusReason ?? `The integration is ${i.status}.`),
        integration: i,
      });
    } catch (err) {
      const requestId = c.get("requestId");
      if (err instanceof AppError && err.code !== "internal") {
        deps.logger.warn({ code: err.code, requestId }, "consent callback failed");
        const status = err.code === "unavailable" || err.code === "timeout" ? 503 : 400;
        return render(c, status, failed(err.message));
      }
      deps.logger.error({ err, requestId }, "consent callback failed");
      return render(
        c,
        500,
        failed(`Something went wrong on our side (request ${requestId}). Try again later.`),
      );
    }
  },
});

function failed(message: string): Outcome {
  return { ok: false, title: "Consent not completed", message };
}

function render(c: Context<AppEnv>, status: 200 | 400 | 500 | 503, o: Outcome) {
  // The URL carried a code and a state: keep it out of caches and of Referer headers.
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  const i = o.integration;
  return c.html(
    page(
      o.title,
      html`<h1 class="${o.ok ? "status-active" : "status-broken"}">${o.title}</h1>
<p>${o.message}</p>
${i ? html`<p class="muted">Integration <code>${i.id}</code> (${i.name}) · status <span class="status-${i.status}">${i.status}</span></p>` : ""}
<p><a href="${i ? `/console/integrations/${i.id}` : "/console/integrations"}">${o.ok ? (o.next ?? "Watch its first poll") : "Back to integrations"}</a></p>`,
    ),
    status,
  );
}
