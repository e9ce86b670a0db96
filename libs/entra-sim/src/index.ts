import { formatIssues } from "@tenantlens/contracts";
import { z } from "zod";
import { createDirectory, DirectoryRegistry, type DirectorySizes } from "./directory/index.js";
import { createGraphApp } from "./graph/app.js";
import { seededInt } from "./identity/ids.js";
import { assembleSimulator, type GraphHalfFactory, type Simulator } from "./server.js";

export { type AppCredentials, appToken, requestAppToken } from "./app-token.js";
export { SIM_KEY_HEADER } from "./control-auth.js";
export {
  type AppSelector,
  type IdentitySettings,
  type MintedTokenResponse,
  type MintTokenRequest,
  SimControlClient,
  type SimControlClientOptions,
  SimControlError,
  type SimTenantSummary,
} from "./control-client.js";
export { type Latency, type LoggedRequest, peakInFlight } from "./graph/request-log.js";
export { Identity, type IdentityUrls } from "./identity/identity.js";
export { APPLICATION_PERMISSIONS, DELEGATED_SCOPES } from "./identity/permissions.js";
export type { GraphHalf, GraphHalfFactory, Simulator, SimulatorTenant } from "./server.js";
export { assembleSimulator, createSimApp } from "./server.js";
export { caFetch, ensureTls, newClientCertificate, type SimTls } from "./tls.js";
export type * from "./types.js";

export const DEFAULT_USERS = 200;

const count = z.number().int().min(0);

const tenantOptionsSchema = z
  .object({
    users: count.max(5_000_000).optional(),
    groups: count.optional(),
    applications: count.optional(),
    devices: count.optional(),
    licences: z
      .object({ p1: z.boolean().optional(), p2: z.boolean().optional(), intune: z.boolean().optional() })
      .strict()
      .optional(),
    displayName: z.string().min(1).max(64).optional(),
  })
  .strict();

export const startOptionsSchema = z
  .object({
    /** 0 (default) picks a free port. */
    port: z.number().int().min(0).max(65_535).default(0),
    seed: z.number().int().min(0).max(2_147_483_647).default(1),
    tenants: z
      .array(tenantOptionsSchema)
      .min(1)
      .max(100)
      .default([{ users: DEFAULT_USERS }]),
    /** Where ca.pem and the keys go; default a fresh temp dir removed by stop(). */
    dataDir: z.string().min(1).optional(),
    /** The x-sim-key for /_sim/; random per start unless given. */
    adminKey: z.string().min(1).max(512).optional(),
    /** Registered on every tenant's app besides http://localhost/oauth/callback and 127.0.0.1. */
    redirectUris: z.array(z.url()).default([]),
    /** Skip the consent page (tests can also add sim_auto_approve=1 per request). */
    autoApprove: z.boolean().default(false),
    live: z
      .object({ changesPerMinute: z.number().positive().max(60_000) })
      .strict()
      .optional(),
    /** Access-token lifetime (default 3600 s); changeable at run time through /_sim/identity/settings. */
    accessTokenLifetimeSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .strict();

export type StartSimulatorOptions = z.input<typeof startOptionsSchema>;

/** Starts the Entra ID + Graph simulator over HTTPS on 127.0.0.1 and resolves when it serves. */
export async function startSimulator(options: StartSimulatorOptions = {}): Promise<Simulator> {
  const parsed = startOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new TypeError(`startSimulator: invalid options: ${formatIssues(parsed.error)}`);
  }
  const opts = parsed.data;
  const sizes: DirectorySizes[] = opts.tenants.map((t) => ({
    users: t.users ?? DEFAULT_USERS,
    groups: t.groups,
    applications: t.applications,
    devices: t.devices,
  }));
  return assembleSimulator(
    {
      port: opts.port,
      seed: opts.seed,
      tenants: opts.tenants.map((t) => ({ displayName: t.displayName, licences: t.licences })),
      dataDir: opts.dataDir,
      adminKey: opts.adminKey,
      redirectUris: opts.redirectUris,
      autoApprove: opts.autoApprove,
      accessTokenLifetimeSeconds: opts.accessTokenLifetimeSeconds,
    },
    directoryGraph(opts.seed, sizes, opts.live?.changesPerMinute),
  );
}

/** The real Graph half: one seeded directory per tenant behind the Graph routes. */
function directoryGraph(seed: number, sizes: DirectorySizes[], changesPerMinute?: number): GraphHalfFactory {
  return (identity, tenants) => {
    const directories = new DirectoryRegistry();
    tenants.forEach((t, i) => {
      directories.add(
        createDirectory({
          tenantId: t.tenantId,
          tenantName: t.displayName,
          initialDomain: t.initialDomain,
          seed: seededInt(seed, `tenant:${i}:directory`),
          sizes: sizes[i] ?? { users: DEFAULT_USERS },
          identity,
        }),
      );
    });
    if (changesPerMinute !== undefined) for (const d of directories.all()) d.startLive(changesPerMinute);
    const app = createGraphApp({ identity, directories });
    return {
      fetch: (request, env) => app.fetch(request, env),
      stop: () => {
        for (const d of directories.all()) d.stop();
      },
    };
  };
}
