/**
 * Turns a failed token request into a decision: the integration is broken (a person must act, and we
 * say what to do) or the failure is transient (retry later, change nothing). Microsoft says to branch
 * on the OAuth `error` field and use AADSTS numbers for diagnosis, so unknown numbers still classify.
 */

/** What the identity adapter knows about a failure, without msal types. */
export interface TokenFailure {
  /** OAuth `error` (invalid_client, invalid_grant, …) when Entra answered with an error body. */
  oauthError?: string;
  /** First AADSTS number of `error_codes` or of the description. */
  aadsts?: number;
  /** HTTP status of the token endpoint, when known. */
  status?: number;
  /** No answer: connection refused, DNS, TLS, timeout. */
  network?: boolean;
  /** Text for logs (never contains the secret). */
  message: string;
}

export type FailureDecision = { kind: "broken"; reason: string } | { kind: "transient"; message: string };

export interface FailureContext {
  tenantId: string;
  clientId: string;
  /**
   * Delegated integrations hold a signed-in administrator's consent and Tenantlens's own app
   * registration: the same codes call for other fixes (consent again, fix the auth configuration).
   */
  mode?: "app" | "delegated";
}

const TRANSIENT_OAUTH = new Set(["temporarily_unavailable", "server_error"]);

/**
 * Network trouble and 5xx/429 are transient; any other refusal breaks the integration with a
 * reason that says what to fix and ends with Microsoft's own message (its first line).
 */
export function classifyTokenFailure(f: TokenFailure, ctx: FailureContext): FailureDecision {
  const d = decide(f, ctx);
  if (d.kind !== "broken") return d;
  const said = microsoftMessage(f.message);
  return said === "" || d.reason.includes(said)
    ? d
    : { kind: "broken", reason: `${d.reason} Microsoft said: ${said}` };
}

/**
 * Microsoft's own words from a token error: msal wraps the description as "Error(s): … -
 * Timestamp: … - Description: AADSTS…: … - Trace ID: …"; trace and correlation ids are noise here.
 */
export function microsoftMessage(text: string): string {
  const described =
    /Description:\s*([\s\S]*?)(?:\s+-\s+(?:Trace ID|Correlation ID|Timestamp):|$)/.exec(text)?.[1] ?? text;
  const line = (described.split(/\r?\n|\s+Trace ID:/)[0] ?? "").trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}

function decide(f: TokenFailure, ctx: FailureContext): FailureDecision {
  if (f.network) return { kind: "transient", message: `identity platform unreachable: ${f.message}` };
  if (f.status !== undefined && (f.status >= 500 || f.status === 429)) {
    return { kind: "transient", message: `identity platform answered ${f.status}: ${f.message}` };
  }
  if (f.oauthError && TRANSIENT_OAUTH.has(f.oauthError)) {
    return { kind: "transient", message: `identity platform is temporarily unavailable: ${f.message}` };
  }
  const known =
    f.aadsts === undefined
      ? undefined
      : ctx.mode === "delegated"
        ? delegatedReasonFor(f.aadsts, ctx)
        : reasonFor(f.aadsts, ctx);
  if (known) return { kind: "broken", reason: known };
  if (ctx.mode === "delegated") {
    const reason = delegatedFallback(f, ctx);
    if (reason) return { kind: "broken", reason };
  }
  switch (f.oauthError) {
    case "invalid_client":
      return {
        kind: "broken",
        reason: `Entra rejected the client credentials of app ${ctx.clientId}${code(f)}. Check the client secret and update the integration.`,
      };
    case "invalid_grant":
      return {
        kind: "broken",
        reason: `Entra refused the grant${code(f)}: admin consent may be missing or revoked. Grant admin consent to app ${ctx.clientId} in tenant ${ctx.tenantId}, then enable the integration again.`,
      };
    case "unauthorized_client":
      return {
        kind: "broken",
        reason: `App ${ctx.clientId} is not allowed to get tokens in tenant ${ctx.tenantId}${code(f)}. Check the client id, the tenant id and that the app still exists.`,
      };
    case "invalid_request":
    case "invalid_scope":
    case "invalid_resource":
    case "unsupported_grant_type":
    case "access_denied":
      return {
        kind: "broken",
        reason: `Entra rejected the token request${code(f)}: ${firstLine(f.message)}`,
      };
    default:
      break;
  }
  if (f.status !== undefined && f.status >= 400) {
    return { kind: "broken", reason: `Entra rejected the token request${code(f)}: ${firstLine(f.message)}` };
  }
  return { kind: "transient", message: f.message };
}

function reasonFor(aadsts: number, ctx: FailureContext): string | undefined {
  switch (aadsts) {
    case 7000215:
      return `The client secret is wrong (AADSTS7000215). Use the secret's Value (not its Secret ID) from app ${ctx.clientId} > Certificates & secrets, then update the integration.`;
    case 7000222:
      return `The client secret has expired (AADSTS7000222). Create a new secret for app ${ctx.clientId} in Certificates & secrets, then update the integration.`;
    case 700016:
      return `App ${ctx.clientId} was not found in tenant ${ctx.tenantId} (AADSTS700016). Check the client id and tenant id, and that the app or its service principal was not deleted.`;
    case 90002:
      return `Tenant ${ctx.tenantId} was not found (AADSTS90002). Check the tenant id (Entra admin center > Overview > Tenant ID).`;
    case 65001:
      return `Admin consent for app ${ctx.clientId} is missing or was revoked (AADSTS65001). Grant admin consent for its API permissions in tenant ${ctx.tenantId}, then enable the integration again.`;
    case 7000218:
      return `No client secret was sent for app ${ctx.clientId} (AADSTS7000218). Update the integration with the secret's value.`;
    case 700038:
      return `${ctx.clientId} is not a valid application (client) id (AADSTS700038).`;
    case 700027:
      return `Entra refused the certificate (AADSTS700027): it is not uploaded to app ${ctx.clientId} > Certificates & secrets, or the private key is not the certificate's. Upload the certificate, or update the integration with the right key.`;
    case 700024:
      return `Entra refused the certificate's client assertion as outside its valid time (AADSTS700024): check this server's clock and the certificate's dates.`;
    default:
      return undefined;
  }
}

/** What a person does when a delegated integration lost its consent or sign-in. */
export const CONSENT_AGAIN =
  "An administrator of the tenant must consent again: get a new consent link with POST /api/integrations/<id>/consent.";

/** Delegated mode: the refresh token, the consent or Tenantlens's own app registration failed. */
function delegatedReasonFor(aadsts: number, ctx: FailureContext): string | undefined {
  switch (aadsts) {
    case 65001:
      return `Consent revoked (AADSTS65001): Tenantlens no longer holds delegated permissions in tenant ${ctx.tenantId}. ${CONSENT_AGAIN}`;
    case 65004:
      return `Consent declined (AADSTS65004) in tenant ${ctx.tenantId}. ${CONSENT_AGAIN}`;
    case 70008:
      return `The stored sign-in expired or was revoked (AADSTS70008). ${CONSENT_AGAIN}`;
    case 700082:
      return `The stored sign-in expired after 90 days without use (AADSTS700082). ${CONSENT_AGAIN}`;
    case 50173:
      return `The stored sign-in was revoked (AADSTS50173: password change or "revoke sessions"). ${CONSENT_AGAIN}`;
    case 54005:
    case 9002313:
      return `Entra refused the stored sign-in (AADSTS${aadsts}). ${CONSENT_AGAIN}`;
    case 7000215:
    case 7000222:
    case 7000218:
      return `Entra rejected the client secret of the Tenantlens app ${ctx.clientId} (AADSTS${aadsts}). Fix TENANTLENS_CLIENT_SECRET of the auth service, restart it, then enable the integration again.`;
    case 700016:
      return `The Tenantlens app ${ctx.clientId} is not known in tenant ${ctx.tenantId} (AADSTS700016). Check TENANTLENS_CLIENT_ID (a multi-tenant app registration) and consent again.`;
    case 90002:
      return `Tenant ${ctx.tenantId} was not found (AADSTS90002). Check the tenant id of the integration.`;
    default:
      return undefined;
  }
}

function delegatedFallback(f: TokenFailure, ctx: FailureContext): string | undefined {
  switch (f.oauthError) {
    case "invalid_grant":
    case "interaction_required":
    case "consent_required":
    case "login_required":
    case "no_tokens_found":
      return `Entra refused the stored sign-in${code(f)}: ${firstLine(f.message)}. ${CONSENT_AGAIN}`;
    case "invalid_client":
    case "unauthorized_client":
      return `Entra rejected the Tenantlens app ${ctx.clientId}${code(f)}. Check TENANTLENS_CLIENT_ID and TENANTLENS_CLIENT_SECRET of the auth service.`;
    default:
      return undefined;
  }
}

function code(f: TokenFailure): string {
  return f.aadsts === undefined ? "" : ` (AADSTS${f.aadsts})`;
}

function firstLine(s: string): string {
  const line = s.split(/\r?\n/)[0] ?? s;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** Finds the first AADSTS number in a description ("AADSTS7000215: Invalid client secret …"). */
export function aadstsIn(text: string): number | undefined {
  const m = /AADSTS(\d{4,8})/.exec(text);
  return m?.[1] ? Number(m[1]) : undefined;
}
