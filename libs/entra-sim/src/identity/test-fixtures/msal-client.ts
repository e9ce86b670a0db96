/**
 * Runs @azure/msal-node against the simulator in its own process, trusting the simulator's CA only
 * through NODE_EXTRA_CA_CERTS (exactly how our services run). Input: one JSON argument describing
 * the steps; output: one line `RESULT <json>` with a result per step. Steps never abort the run.
 */
import {
  type AccountInfo,
  type AuthenticationResult,
  ConfidentialClientApplication,
  CryptoProvider,
} from "@azure/msal-node";

interface Config {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  adminKey: string;
  redirectUri: string;
  steps: Step[];
}

type Step =
  | {
      op: "clientCredentials";
      label: string;
      secret?: string;
      secretFromStep?: string;
      tenantSegment?: string;
    }
  | { op: "authCode"; label: string; consent: "auto" | "approve" | "decline"; scopes?: string[] }
  | { op: "silentRefresh"; label: string }
  | { op: "refreshWithToken"; label: string; which: "first" | "latest" }
  | { op: "control"; label: string; method: string; path: string; body?: unknown };

type StepResult = { label: string; ok: boolean } & Record<string, unknown>;

const config = JSON.parse(process.argv[2] ?? "{}") as Config;
const host = new URL(config.authorityHost).host;
const graphScopes = [
  "https://graph.microsoft.com/User.Read.All",
  "https://graph.microsoft.com/AuditLog.Read.All",
];

function client(secret: string, tenantSegment = config.tenantId): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: config.clientId,
      authority: `${config.authorityHost}/${tenantSegment}`,
      clientSecret: secret,
      knownAuthorities: [host],
    },
  });
}

const delegated = client(config.clientSecret);
let account: AccountInfo | null = null;
const refreshTokens: string[] = [];
const results: Record<string, StepResult> = {};

function decode(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

function describeError(e: unknown): Record<string, unknown> {
  const err = e as {
    name?: string;
    errorCode?: string;
    errorNo?: unknown;
    subError?: string;
    message?: string;
  };
  return {
    name: err.name,
    errorCode: err.errorCode,
    errorNo: err.errorNo,
    subError: err.subError,
    message: err.message,
  };
}

/** Pulls the refresh token msal keeps in its cache (msal never returns it directly). */
function cachedRefreshToken(): string | undefined {
  const cache = JSON.parse(delegated.getTokenCache().serialize()) as {
    RefreshToken?: Record<string, { secret: string }>;
  };
  return Object.values(cache.RefreshToken ?? {})[0]?.secret;
}

function rememberRefreshToken(): void {
  const rt = cachedRefreshToken();
  if (rt && refreshTokens.at(-1) !== rt) refreshTokens.push(rt);
}

function tokenSummary(r: AuthenticationResult): Record<string, unknown> {
  const claims = decode(r.accessToken);
  return {
    tokenHash: r.accessToken.slice(-16),
    roles: claims.roles,
    scp: claims.scp,
    tid: claims.tid,
    appid: claims.appid,
    aud: claims.aud,
    oid: claims.oid,
    idTokenClaims: r.idTokenClaims,
    account: r.account ? { homeAccountId: r.account.homeAccountId, username: r.account.username } : null,
    scopes: r.scopes,
  };
}

/** Follows the browser part of the flow: authorize → (consent page → POST) → redirect with code. */
async function browse(url: string, consent: "auto" | "approve" | "decline"): Promise<URL> {
  let res = await fetch(url, { redirect: "manual" });
  if (res.status === 200) {
    const html = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    const txn = /name="txn" value="([^"]+)"/.exec(html)?.[1];
    if (!action || !txn) throw new Error(`no consent form in page: ${html.slice(0, 300)}`);
    const decision = consent === "decline" ? "decline" : "approve";
    res = await fetch(new URL(action.replace(/&amp;/g, "&"), url), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ txn, decision }),
    });
  }
  const location = res.headers.get("location");
  if (res.status !== 302 || !location)
    throw new Error(`expected a redirect, got ${res.status}: ${await res.text()}`);
  return new URL(location);
}

async function run(step: Step): Promise<StepResult> {
  const base = { label: step.label };
  switch (step.op) {
    case "clientCredentials": {
      const fromStep = step.secretFromStep ? results[step.secretFromStep]?.body : undefined;
      const secret =
        step.secret ?? (fromStep as { value?: string } | undefined)?.value ?? config.clientSecret;
      const r = await client(secret, step.tenantSegment).acquireTokenByClientCredential({
        scopes: ["https://graph.microsoft.com/.default"],
        skipCache: true,
      });
      if (!r) return { ...base, ok: false, message: "no result" };
      return { ...base, ok: true, ...tokenSummary(r) };
    }
    case "authCode": {
      const crypto = new CryptoProvider();
      const pkce = await crypto.generatePkceCodes();
      const state = crypto.createNewGuid();
      const nonce = crypto.createNewGuid();
      const scopes = step.scopes ?? graphScopes;
      const url = await delegated.getAuthCodeUrl({
        scopes,
        redirectUri: config.redirectUri,
        codeChallenge: pkce.challenge,
        codeChallengeMethod: "S256",
        state,
        nonce,
        extraQueryParameters: step.consent === "auto" ? { sim_auto_approve: "1" } : undefined,
      });
      const back = await browse(url, step.consent);
      const params = Object.fromEntries(back.searchParams);
      if (params.state !== state) return { ...base, ok: false, message: "state mismatch", params };
      const code = params.code;
      if (!code) return { ...base, ok: false, redirect: params };
      const r = await delegated.acquireTokenByCode(
        { code, scopes, redirectUri: config.redirectUri, codeVerifier: pkce.verifier, state, nonce },
        { code, state: params.state },
      );
      account = r.account;
      rememberRefreshToken();
      return { ...base, ok: true, redirectOrigin: back.origin, ...tokenSummary(r) };
    }
    case "silentRefresh": {
      if (!account) return { ...base, ok: false, message: "no account yet" };
      const r = await delegated.acquireTokenSilent({ account, scopes: graphScopes, forceRefresh: true });
      rememberRefreshToken();
      return { ...base, ok: true, refreshTokensSeen: refreshTokens.length, ...tokenSummary(r) };
    }
    case "refreshWithToken": {
      const rt = step.which === "first" ? refreshTokens[0] : refreshTokens.at(-1);
      if (!rt) return { ...base, ok: false, message: "no refresh token yet" };
      const r = await client(config.clientSecret).acquireTokenByRefreshToken({
        refreshToken: rt,
        scopes: graphScopes,
      });
      if (!r) return { ...base, ok: false, message: "no result" };
      return { ...base, ok: true, ...tokenSummary(r) };
    }
    case "control": {
      const res = await fetch(`${config.authorityHost}${step.path}`, {
        method: step.method,
        headers: { "x-sim-key": config.adminKey, "content-type": "application/json" },
        body: step.body === undefined ? undefined : JSON.stringify(step.body),
      });
      return { ...base, ok: res.ok, status: res.status, body: await res.json() };
    }
  }
}

for (const step of config.steps) {
  try {
    results[step.label] = await run(step);
  } catch (e) {
    results[step.label] = { label: step.label, ok: false, error: describeError(e) };
  }
}
process.stdout.write(`RESULT ${JSON.stringify(results)}\n`);
