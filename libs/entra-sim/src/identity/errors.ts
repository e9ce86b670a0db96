import { randomUUID } from "node:crypto";

/** OAuth `error` values Entra uses on the token and authorize endpoints. */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "invalid_scope"
  | "invalid_resource"
  | "access_denied"
  | "consent_required"
  | "interaction_required"
  | "temporarily_unavailable";

/** An expected identity-platform failure: a value, mapped once to JSON, a redirect or an HTML page. */
export interface EntraError {
  error: OAuthErrorCode;
  /** AADSTS number, e.g. 7000215. */
  aadsts: number;
  message: string;
  status: 400 | 401;
  /** Sent on authorize redirects (e.g. "cancel" for a declined consent). */
  subError?: string;
}

export function entraError(
  error: OAuthErrorCode,
  aadsts: number,
  message: string,
  status: 400 | 401 = 400,
): EntraError {
  return { error, aadsts, message, status };
}

export interface EntraErrorBody {
  error: OAuthErrorCode;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
}

/** Entra's timestamp format: "2016-01-09 02:02:12Z". */
export function entraTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

export function errorBody(
  err: EntraError,
  ctx: { authorityHost: string; correlationId?: string; now?: Date },
): EntraErrorBody {
  const traceId = randomUUID();
  const correlationId = ctx.correlationId ?? randomUUID();
  const timestamp = entraTimestamp(ctx.now ?? new Date());
  const body: EntraErrorBody = {
    error: err.error,
    error_description: `AADSTS${err.aadsts}: ${err.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [err.aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${ctx.authorityHost}/error?code=${err.aadsts}`,
  };
  if (err.subError) body.suberror = err.subError;
  return body;
}

/** The catalogue of AADSTS failures the simulator produces, worded like Entra. */
export const Errors = {
  missingParameter: (name: string) =>
    entraError(
      "invalid_request",
      900144,
      `The request body must contain the following parameter: '${name}'.`,
    ),
  invalidParameter: (name: string, detail: string) =>
    entraError("invalid_request", 900144, `The request parameter '${name}' is not valid: ${detail}`),
  malformedRequest: (detail: string) =>
    entraError("invalid_request", 90014, `The request is malformed or invalid: ${detail}`),
  tenantNotFound: (tenant: string) =>
    entraError(
      "invalid_request",
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  tenantRequired: () =>
    entraError(
      "invalid_request",
      50059,
      "No tenant-identifying information found in either the request or implied by any provided credentials.",
    ),
  invalidClientIdFormat: (clientId: string) =>
    entraError("unauthorized_client", 700038, `${clientId} is not a valid application identifier.`),
  appNotFound: (clientId: string, tenantId: string) =>
    entraError(
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  missingClientSecret: () =>
    entraError(
      "invalid_client",
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      401,
    ),
  assertionMalformed: (why: string) =>
    entraError("invalid_client", 50027, `JWT token is invalid or malformed: ${why}.`, 401),
  assertionUnknownCertificate: (thumbprint: string, clientId: string) =>
    entraError(
      "invalid_client",
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.]`,
      401,
    ),
  assertionBadSignature: () =>
    entraError("invalid_client", 700027, "Client assertion failed signature validation.", 401),
  assertionClientMismatch: () =>
    entraError(
      "invalid_client",
      700021,
      "Client assertion application identifier doesn't match 'client_id' parameter.",
      401,
    ),
  assertionAudience: (audience: string, expected: string) =>
    entraError(
      "invalid_client",
      700023,
      `Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials. [Audience: '${audience}', expected '${expected}'.]`,
      401,
    ),
  assertionTime: () =>
    entraError("invalid_client", 700024, "Client assertion is not within its valid time range.", 401),
  invalidClientSecret: (clientId: string) =>
    entraError(
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      401,
    ),
  expiredClientSecret: (clientId: string) =>
    entraError(
      "invalid_client",
      7000222,
      `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
      401,
    ),
  unsupportedGrantType: (grantType: string) =>
    entraError(
      "unsupported_grant_type",
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
    ),
  clientCredentialsScope: (scope: string) =>
    entraError(
      "invalid_scope",
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  invalidScope: (scope: string) =>
    entraError(
      "invalid_scope",
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    ),
  resourceNotFound: (resource: string, tenant: string) =>
    entraError(
      "invalid_resource",
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  consentMissing: (clientId: string, appName: string) =>
    entraError(
      "invalid_grant",
      65001,
      `The user or administrator has not consented to use the application with ID '${clientId}' named '${appName}'. Send an interactive authorization request for this user and resource.`,
    ),
  consentDeclined: () => ({
    ...entraError("access_denied", 65004, "User declined to consent to access the app."),
    subError: "cancel",
  }),
  grantExpired: () =>
    entraError(
      "invalid_grant",
      70008,
      "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
    ),
  codeRedeemed: () =>
    entraError(
      "invalid_grant",
      54005,
      "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
    ),
  grantRevoked: (issuedAt: Date, validFrom: Date) =>
    entraError(
      "invalid_grant",
      50173,
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${issuedAt.toISOString()}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${validFrom.toISOString()}'.`,
    ),
  malformedGrant: () =>
    entraError("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."),
  codeVerifierMismatch: () =>
    entraError(
      "invalid_grant",
      501481,
      "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
    ),
  codeVerifierMissing: () =>
    entraError(
      "invalid_grant",
      501481,
      "The code_verifier is missing; the authorization request carried a code_challenge (PKCE).",
    ),
  unsupportedChallengeMethod: (method: string) =>
    entraError("invalid_request", 50148, `The code_challenge_method '${method}' is not supported; use S256.`),
  replyUrlMismatch: (redirectUri: string, clientId: string) =>
    entraError(
      "invalid_request",
      50011,
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
    ),
  replyUrlDiffersFromCode: (redirectUri: string) =>
    entraError(
      "invalid_grant",
      500112,
      `The reply address '${redirectUri}' does not match the reply address provided when requesting Authorization code.`,
    ),
  unsupportedResponseType: (responseType: string) =>
    entraError(
      "unsupported_response_type",
      70005,
      `response_type '${responseType}' is not enabled for the application.`,
    ),
  consentExpired: () =>
    entraError(
      "invalid_request",
      90014,
      "The consent session has expired or was already used. Start the sign-in again.",
    ),
} as const;
