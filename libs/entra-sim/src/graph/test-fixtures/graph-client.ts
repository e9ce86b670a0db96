import {
  Client,
  type PageCollection,
  PageIterator,
  RetryHandlerOptions,
} from "@microsoft/microsoft-graph-client";
import { appToken } from "../../app-token.js";

/**
 * Child-process script: @microsoft/microsoft-graph-client, unchanged, against the simulator over
 * HTTPS (trusting its CA through NODE_EXTRA_CA_CERTS). Prints one `RESULT <json>` line.
 */

interface Config {
  graphEndpoint: string;
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  step: "pageUsers" | "retry429";
  requests?: number;
}

const cfg = JSON.parse(process.argv[2] ?? "{}") as Config;

function token(): Promise<string> {
  return appToken(fetch, cfg.authorityHost, cfg);
}

async function main(): Promise<unknown> {
  const accessToken = await token();
  const client = Client.initWithMiddleware({
    authProvider: { getAccessToken: async () => accessToken },
    baseUrl: cfg.graphEndpoint,
    customHosts: new Set([new URL(cfg.graphEndpoint).hostname]),
    defaultVersion: "v1.0",
  });
  if (cfg.step === "pageUsers") {
    const first = (await client.api("/users").top(999).select("id,displayName").get()) as PageCollection;
    const ids = new Set<string>();
    let items = 0;
    let pageItems = 0;
    const sizes: number[] = [];
    const iterator = new PageIterator(client, first, (u: { id: string }) => {
      items++;
      pageItems++;
      ids.add(u.id);
      if (pageItems === 999) {
        sizes.push(pageItems);
        pageItems = 0;
      }
      return true;
    });
    await iterator.iterate();
    if (pageItems > 0) sizes.push(pageItems);
    return {
      items,
      distinct: ids.size,
      pages: sizes.length,
      fullPages: sizes.filter((s) => s === 999).length,
      complete: iterator.isComplete(),
    };
  }
  // retry429: every 429 the RetryHandler decides to retry is counted; all requests must end 200.
  let retries = 0;
  let ok = 0;
  const options = new RetryHandlerOptions(1, 5, (_delay, _attempt, _req, _opts, response) => {
    if (response.status === 429) retries++;
    return true;
  });
  for (let i = 0; i < (cfg.requests ?? 8); i++) {
    await client.api("/users").top(5).middlewareOptions([options]).get();
    ok++;
  }
  return { ok, retries };
}

main().then(
  (r) => {
    console.log(`RESULT ${JSON.stringify(r)}`);
  },
  (err: unknown) => {
    console.log(`RESULT ${JSON.stringify({ error: String((err as Error)?.stack ?? err) })}`);
    process.exitCode = 1;
  },
);
