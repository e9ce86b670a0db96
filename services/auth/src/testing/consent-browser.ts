/**
 * Plays the administrator's browser against the simulator's authorize endpoint: opens the consent
 * URL, answers the consent page (or lets `sim_auto_approve=1` skip it) and returns the redirect
 * back to Tenantlens without following it (tests hand its parameters to auth or to the gateway).
 */
export type Decision = "auto" | "approve" | "decline";

export async function answerConsent(
  simFetch: typeof fetch,
  consentUrl: string,
  decision: Decision,
): Promise<URL> {
  const url = new URL(consentUrl);
  if (decision === "auto") url.searchParams.set("sim_auto_approve", "1");
  let res = await simFetch(url, { redirect: "manual", signal: AbortSignal.timeout(20_000) });
  if (res.status === 200) {
    const page = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
    const txn = /name="txn" value="([^"]+)"/.exec(page)?.[1];
    if (!action || !txn) throw new Error(`no consent form on the page: ${page.slice(0, 300)}`);
    res = await simFetch(new URL(action.replace(/&amp;/g, "&"), url), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ txn, decision: decision === "decline" ? "decline" : "approve" }).toString(),
      signal: AbortSignal.timeout(20_000),
    });
  }
  const location = res.headers.get("location");
  if (res.status !== 302 || !location)
    throw new Error(`expected a redirect, got ${res.status}: ${await res.text()}`);
  return new URL(location);
}

/** The callback's query as the gateway passes it to auth.consent.complete. */
export function callbackParams(redirect: URL): {
  state: string;
  code?: string;
  error?: string;
  errorDescription?: string;
  tenant?: string;
} {
  const q = redirect.searchParams;
  const pick = (k: string) => q.get(k) ?? undefined;
  return {
    state: q.get("state") ?? "",
    ...(pick("code") ? { code: pick("code") } : {}),
    ...(pick("error") ? { error: pick("error") } : {}),
    ...(pick("error_description") ? { errorDescription: pick("error_description") } : {}),
    ...(pick("tenant") ? { tenant: pick("tenant") } : {}),
  };
}
