/**
 * The collector's client stack against the full simulator, in its own process with
 * NODE_EXTRA_CA_CERTS: msal-node client credentials, then @microsoft/microsoft-graph-client.
 * Input: one JSON argument; output: one line `RESULT <json>`.
 */
import { ConfidentialClientApplication } from "@azure/msal-node";
import { Client, type GraphError, PageIterator } from "@microsoft/microsoft-graph-client";

interface Config {
  authorityHost: string;
  graphEndpoint: string;
  tenants: Array<{ tenantId: string; clientId: string; clientSecret: string }>;
}

const config = JSON.parse(process.argv[2] ?? "{}") as Config;
const results: Record<string, unknown> = {};

function graphFor(tenant: Config["tenants"][number]): Client {
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: tenant.clientId,
      clientSecret: tenant.clientSecret,
      authority: `${config.authorityHost}/${tenant.tenantId}`,
      knownAuthorities: [new URL(config.authorityHost).host],
    },
  });
  return Client.initWithMiddleware({
    baseUrl: config.graphEndpoint,
    defaultVersion: "v1.0",
    // Host names without the port: the client only attaches the token for Graph or custom hosts.
    customHosts: new Set([new URL(config.graphEndpoint).hostname]),
    authProvider: {
      getAccessToken: async () => {
        const r = await msal.acquireTokenByClientCredential({
          scopes: ["https://graph.microsoft.com/.default"],
        });
        if (!r) throw new Error("msal returned no token");
        return r.accessToken;
      },
    },
  });
}

async function attempt(label: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    results[label] = { ok: true, value: await fn() };
  } catch (e) {
    const err = e as GraphError;
    results[label] = { ok: false, statusCode: err.statusCode, code: err.code, message: err.message };
  }
}

const [premium, basic] = config.tenants;
if (premium && basic) {
  const g = graphFor(premium);
  await attempt("users-all-pages", async () => {
    const first = await g.api("/users").top(7).select("id,displayName").get();
    const ids: string[] = [];
    const it = new PageIterator(g, first, (u: { id: string }) => {
      ids.push(u.id);
      return true;
    });
    await it.iterate();
    return { count: ids.length, unique: new Set(ids).size };
  });
  await attempt("premium-signins", async () => (await g.api("/auditLogs/signIns").top(1).get()).value.length);
  await attempt("basic-signins", async () => graphFor(basic).api("/auditLogs/signIns").top(1).get());
}
process.stdout.write(`RESULT ${JSON.stringify(results)}\n`);
