import {
  AuthError,
  ClientAuthError,
  type Configuration,
  InteractionRequiredAuthError,
  LogLevel,
  ServerError,
} from "@azure/msal-node";
import type { Logger } from "@tenantlens/telemetry";
import type { ClientCertificate } from "../domain/certificate.js";
import { aadstsIn, type TokenFailure } from "../domain/entra-errors.js";

/** Hosts msal knows; any other authority (a sovereign cloud proxy, the simulator) must be declared. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  "login.microsoftonline.com",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
  "login.microsoft.com",
  "login.windows.net",
  "sts.windows.net",
]);

export const ACQUIRE_TIMEOUT_MS = 30_000;

/** The `auth` and `system` parts of an msal configuration for one tenant segment of the authority host. */
export function msalConfig(
  authorityHost: string,
  tenant: string,
  credentials: { clientId: string; clientSecret?: string; certificate?: ClientCertificate },
  log: Logger,
): Configuration {
  const url = new URL(authorityHost);
  const cert = credentials.certificate;
  return {
    auth: {
      clientId: credentials.clientId,
      // A certificate: msal signs the client assertion (PS256 with x5t#S256, or RS256 with x5t).
      ...(cert
        ? {
            clientCertificate: {
              ...(cert.kind === "sha256"
                ? { thumbprintSha256: cert.thumbprint }
                : { thumbprint: cert.thumbprint }),
              privateKey: cert.privateKey,
              ...(cert.x5c ? { x5c: cert.x5c } : {}),
            },
          }
        : { clientSecret: credentials.clientSecret ?? "" }),
      authority: `${authorityHost.replace(/\/+$/, "")}/${tenant}`,
      ...(MICROSOFT_AUTHORITY_HOSTS.has(url.hostname) ? {} : { knownAuthorities: [url.host] }),
    },
    system: {
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (_level, message) => log.debug({ msal: message }, "msal"),
      },
    },
  };
}

export class AcquireTimeout extends Error {
  constructor() {
    super(`no answer from the identity platform within ${ACQUIRE_TIMEOUT_MS / 1000} s`);
  }
}

/** Races an msal call against ACQUIRE_TIMEOUT_MS (msal has no overall timeout of its own). */
export async function withTimeout<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AcquireTimeout()), ACQUIRE_TIMEOUT_MS);
    });
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * msal error → TokenFailure; discovery failures are probed so "tenant not found" is told apart from
 * "down". Messages never contain the secret (msal does not echo it).
 */
export async function describeMsalError(
  err: unknown,
  authorityHost: string,
  tenant: string,
): Promise<TokenFailure> {
  if (err instanceof AcquireTimeout) return { network: true, message: err.message };
  if (err instanceof ServerError || err instanceof InteractionRequiredAuthError) {
    const text = `${err.errorCode} ${err.errorMessage}`;
    const aadsts = err.errorNo ? Number(err.errorNo) : aadstsIn(text);
    return {
      oauthError: err.errorCode || undefined,
      aadsts: aadsts !== undefined && Number.isFinite(aadsts) ? aadsts : undefined,
      status: err instanceof ServerError ? err.status : undefined,
      message: err.errorMessage || err.errorCode,
    };
  }
  if (err instanceof ClientAuthError) {
    if (err.errorCode === "endpoints_resolution_error" || err.errorCode === "openid_config_error") {
      return probeAuthority(authorityHost, tenant);
    }
    if (err.errorCode === "network_error" || err.errorCode === "no_network_connectivity") {
      return { network: true, message: err.message };
    }
  }
  if (err instanceof AuthError) return { message: `${err.errorCode}: ${err.errorMessage}` };
  return { network: isNetworkError(err), message: err instanceof Error ? err.message : String(err) };
}

async function probeAuthority(authorityHost: string, tenant: string): Promise<TokenFailure> {
  const url = `${authorityHost.replace(/\/+$/, "")}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (res.ok) return { network: true, message: `could not use the identity platform's metadata at ${url}` };
    const body = (await res.json().catch(() => ({}))) as {
      error?: string;
      error_description?: string;
      error_codes?: number[];
    };
    return {
      oauthError: body.error,
      aadsts: body.error_codes?.[0] ?? aadstsIn(body.error_description ?? ""),
      status: res.status,
      message: body.error_description ?? `metadata request answered ${res.status}`,
    };
  } catch (e) {
    return {
      network: true,
      message: `${url}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`,
    };
  }
}

function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (
    typeof code === "string" &&
    /^(ECONN|ENOTFOUND|EAI_|ETIMEDOUT|EHOSTUNREACH|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code)
  );
}
