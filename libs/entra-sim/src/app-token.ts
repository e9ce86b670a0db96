/** The credentials a daemon client presents (what the READY line lists per tenant). */
export interface AppCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Asks the token endpoint for an app-only Graph token with client credentials, exactly as a daemon
 * would over HTTP. `fetchFn` carries the trust: `caFetch(ca)` in-process, plain fetch in a child
 * started with NODE_EXTRA_CA_CERTS. Returns the raw response so callers can check errors too.
 */
export function requestAppToken(
  fetchFn: typeof fetch,
  authorityHost: string,
  creds: AppCredentials,
): Promise<Response> {
  return fetchFn(`${authorityHost}/${creds.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
      scope: "https://graph.microsoft.com/.default",
    }).toString(),
  });
}

/** The access token of `requestAppToken`, or an error carrying the endpoint's answer. */
export async function appToken(
  fetchFn: typeof fetch,
  authorityHost: string,
  creds: AppCredentials,
): Promise<string> {
  const res = await requestAppToken(fetchFn, authorityHost, creds);
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token (${res.status}): ${JSON.stringify(body)}`);
  return body.access_token;
}
