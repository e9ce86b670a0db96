import { AppError, type ErrorCode, type ErrorResponse, httpStatusOf } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../env.js";

/** The only way the gateway answers with an error: `{"error":{"code","message","requestId"}}`. */
export function errorResponse(c: Context<AppEnv>, code: ErrorCode, message: string): Response {
  const requestId = c.get("requestId") ?? "";
  const body: ErrorResponse = { error: { code, message, requestId } };
  if (code === "unauthorized") c.header("WWW-Authenticate", 'Bearer realm="tenantlens"');
  return c.json(body, httpStatusOf[code] as ContentfulStatusCode);
}

const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  429: "rate_limited",
  503: "unavailable",
  504: "timeout",
};

/** Maps every thrown value once: AppError by code, Hono's HTTPException by status, the rest 500. */
export function onError(logger: Logger): ErrorHandler<AppEnv> {
  return (err, c) => {
    if (err instanceof AppError && err.code !== "internal") return errorResponse(c, err.code, err.message);
    if (err instanceof HTTPException) {
      const code = CODE_OF_STATUS[err.status] ?? (err.status >= 500 ? "internal" : "bad_request");
      return errorResponse(c, code, err.message || code.replace("_", " "));
    }
    // Bugs and internal failures are logged in full; the client only gets the request id.
    logger.error({ err, requestId: c.get("requestId"), path: c.req.path }, "request failed");
    return errorResponse(c, "internal", "internal error; the request id identifies it in the gateway log");
  };
}

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(c, "not_found", `no route for ${c.req.method} ${c.req.path}`);
