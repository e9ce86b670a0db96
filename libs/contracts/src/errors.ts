import { z } from "zod";

/**
 * The one error vocabulary. Every transport maps it once: HTTP status in the gateway, a header on
 * NATS replies. Expected failures are values of this shape; bugs are exceptions.
 */
export const ErrorCode = z.enum([
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "rate_limited",
  "timeout",
  "unavailable",
  "query_error",
  "query_timeout",
  "integration_broken",
  /** The integration has not been granted the write permissions provisioning needs (403). */
  "provisioning_not_enabled",
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const httpStatusOf: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  timeout: 504,
  unavailable: 503,
  query_error: 400,
  query_timeout: 408,
  integration_broken: 409,
  provisioning_not_enabled: 403,
  internal: 500,
};

export const ErrorBody = z.object({ code: ErrorCode, message: z.string() });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Every HTTP error answer: `{"error":{"code","message","requestId"}}`. */
export const ErrorResponse = z.object({ error: ErrorBody.extend({ requestId: z.string() }) });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** An expected failure that crosses a service boundary. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AppError";
  }
  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

/** Header that carries the error code on NATS replies. */
export const ERROR_HEADER = "Tl-Error-Code";
