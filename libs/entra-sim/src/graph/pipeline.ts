import { setTimeout as sleep } from "node:timers/promises";
import type { Directory } from "../directory/index.js";
import type { AccessTokenClaims } from "../types.js";
import type { Ctx, GraphRuntime } from "./context.js";
import { errorBody, GraphError, insufficientPrivileges, nonPremium } from "./errors.js";
import type { FiredFaults } from "./faults.js";
import { type GraphRequest, type GraphResponse, JSON_CONTENT_TYPE, json } from "./http.js";
import { parseQuery } from "./odata/query.js";
import { hasAnyPermission } from "./permissions.js";
import type { Router } from "./router.js";
import { requestCost } from "./throttle.js";

/** What the transport must do besides answering: drop the connection instead. */
export type PipelineResult = GraphResponse | { drop: true };

const DIAGNOSTIC = JSON.stringify({
  ServerInfo: { DataCenter: "Simulator", Slice: "E", Ring: "1", ScaleUnit: "000", RoleInstance: "SIM01" },
});

function baseHeaders(req: GraphRequest): Record<string, string> {
  return {
    "request-id": req.requestId,
    "client-request-id": req.clientRequestId,
    "x-ms-ags-diagnostic": DIAGNOSTIC,
    "cache-control": "no-cache",
  };
}

export function errorResponse(req: GraphRequest, err: GraphError): GraphResponse {
  return json(err.status, errorBody(err.code, err.message, req.requestId, req.clientRequestId, err.details), {
    ...baseHeaders(req),
    ...err.headers,
  });
}

/**
 * One Graph request through Graph's order of checks: token, tenant, injected faults, route,
 * permission, licence, query options, throttling, then the handler. `inner` marks $batch items
 * (faults apply to the outer request only).
 */
export async function runGraphRequest(
  rt: GraphRuntime,
  router: Router,
  req: GraphRequest,
  opts: { inner?: boolean } = {},
): Promise<PipelineResult> {
  try {
    return await run(rt, router, req, opts.inner === true);
  } catch (err) {
    if (err instanceof GraphError) return errorResponse(req, err);
    process.stderr.write(
      `entra-sim graph: ${req.method} /${req.version}/${req.path} failed: ${(err as Error)?.stack ?? String(err)}\n`,
    );
    return errorResponse(req, new GraphError(500, "generalException", "An internal server error occurred."));
  }
}

/**
 * The token check every request meets first (a `$batch` too, before any of its items): a bearer
 * token that verifies, a tenant served here, a calling app that still exists.
 */
export async function authenticate(
  rt: GraphRuntime,
  req: GraphRequest,
): Promise<{ claims: AccessTokenClaims; dir: Directory }> {
  const auth = req.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (!m)
    throw new GraphError(401, "InvalidAuthenticationToken", "Access token is empty.", {
      "www-authenticate": 'Bearer realm="", error="invalid_token"',
    });
  const check = await rt.identity.verifyAccessToken(m[1]!);
  if (!check.ok)
    throw new GraphError(401, "InvalidAuthenticationToken", check.message, {
      "www-authenticate": 'Bearer realm="", error="invalid_token"',
    });
  const claims = check.claims;
  const dir = rt.directories.get(claims.tid);
  if (!dir)
    throw new GraphError(
      401,
      "InvalidAuthenticationToken",
      "Access token validation failure. The tenant of the token is not served here.",
    );
  // As Graph does once the app's service principal is gone, whatever tokens it still holds.
  const caller = rt.identity.tenant(claims.tid)?.apps.find((a) => a.clientId === claims.appid);
  if (caller?.deleted)
    throw new GraphError(
      401,
      "Authorization_IdentityNotFound",
      "The identity of the calling application could not be established.",
    );
  dir.syncIdentity();
  return { claims, dir };
}

async function run(
  rt: GraphRuntime,
  router: Router,
  req: GraphRequest,
  inner: boolean,
): Promise<PipelineResult> {
  const { claims, dir } = await authenticate(rt, req);

  const paged = /(^|&)\$?skiptoken=/i.test(req.rawQuery);
  const fired = rt.faults.evaluate(dir.tenantId, req.path, paged, inner ? "item" : "request");
  if (fired.delayMs > 0) await sleep(fired.delayMs);
  if (fired.fault?.type === "drop") return { drop: true };
  throwFault(fired.fault);
  const malformed = fired.fault?.type === "malformedJson";

  const { def, params } = router.match(req.method, req.path);
  const perms = new Set<string>(claims.roles ?? []);
  for (const s of (claims.scp ?? "").split(" ")) if (s) perms.add(s);
  if (!hasAnyPermission(perms, def.perms)) throw insufficientPrivileges();
  if (def.licence && !dir.licences()[def.licence]) throw nonPremium();
  const q = parseQuery(req.rawQuery);
  const throttle = rt.throttle.charge({
    tenantId: dir.tenantId,
    appId: claims.appid,
    users: dir.store.activeCount("user"),
    cost: requestCost(def.cost ?? 1, q),
    reports: def.reports === true,
    write: req.method !== "GET",
  });
  if (throttle.throttled) {
    throw new GraphError(
      429,
      "TooManyRequests",
      "Too many requests. Please retry after the time given in Retry-After.",
      throttle.throttled,
    );
  }
  const ctx: Ctx = {
    rt,
    req,
    dir,
    claims,
    perms,
    q,
    params,
    beta: req.version === "beta",
    base: `${req.url.origin}/${req.version}`,
    advanced: (req.headers.get("consistencylevel") ?? "").toLowerCase() === "eventual",
  };
  const res = await def.handle(ctx);
  const out: GraphResponse = {
    ...res,
    headers: { ...baseHeaders(req), ...throttle.headers, ...res.headers },
  };
  if (malformed && out.body !== undefined) {
    const text = JSON.stringify(out.body);
    return {
      status: out.status,
      headers: { ...out.headers, "content-type": JSON_CONTENT_TYPE },
      raw: text.slice(0, Math.max(1, Math.floor(text.length / 2))),
    };
  }
  return out;
}

/** An injected `status` or `expiredPageToken` fault as Graph's error (others are not errors). */
export function throwFault(f: FiredFaults["fault"]): void {
  if (f?.type === "status") {
    const [code, message] =
      f.status === 401
        ? ["InvalidAuthenticationToken", "Access token validation failure. The token was revoked."]
        : f.status === 403
          ? ["Authorization_RequestDenied", "Insufficient privileges to complete the operation."]
          : f.status === 503
            ? ["serviceNotAvailable", "The service is temporarily unavailable. Please retry later."]
            : f.status === 504
              ? ["gatewayTimeout", "The gateway did not receive a response in time."]
              : ["generalException", "An internal server error occurred."];
    throw new GraphError(f.status, code, message, f.status === 503 ? { "retry-after": "1" } : {});
  }
  if (f?.type === "expiredPageToken") {
    throw new GraphError(
      400,
      "Directory_ExpiredPageToken",
      "The specified page token value has expired and can no longer be included in your request.",
    );
  }
}

export { baseHeaders };
