/** A Graph error answered as an OData error body; thrown anywhere inside request handling. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Graph's `error.details` (e.g. `[{target:"userPrincipalName", code:"ObjectConflict"}]`). */
    readonly details?: readonly { target?: string; code: string; message?: string }[],
  ) {
    super(message);
  }
}

export const notFoundObject = (id: string) =>
  new GraphError(
    404,
    "Request_ResourceNotFound",
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

export const badSegment = (segment: string) =>
  new GraphError(400, "BadRequest", `Resource not found for the segment '${segment}'.`);

export const insufficientPrivileges = () =>
  new GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");

export const nonPremium = () =>
  new GraphError(
    403,
    "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
    "Neither tenant is B2C or tenant doesn't have premium license",
  );

export const unsupportedQuery = (message: string) => new GraphError(400, "Request_UnsupportedQuery", message);

/** Graph's innerError date has no fraction and no zone designator. */
export function errorBody(
  code: string,
  message: string,
  requestId: string,
  clientRequestId: string,
  details?: readonly unknown[],
): unknown {
  return {
    error: {
      code,
      message,
      ...(details ? { details } : {}),
      innerError: {
        date: new Date().toISOString().slice(0, 19),
        "request-id": requestId,
        "client-request-id": clientRequestId,
      },
    },
  };
}
