import {
  authorityHost,
  dataDir,
  graphEndpoint,
  httpUrl,
  logLevel,
  natsSettings,
  opsSettings,
  secret,
  z,
} from "@tenantlens/config";
import { secretKeyEnv } from "@tenantlens/secrets";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const authConfigSchema = z
  .object({
    ...natsSettings,
    ...opsSettings,
    TENANTLENS_DATA_DIR: dataDir,
    AZURE_AUTHORITY_HOST: authorityHost,
    GRAPH_ENDPOINT: graphEndpoint,
    ...secretKeyEnv,
    /** Where the gateway is reachable, for OAuth redirect URIs. */
    PUBLIC_URL: httpUrl.default("http://localhost:8080"),
    /**
     * Tenantlens's own app registration (multi-tenant, redirect URI `<PUBLIC_URL>/oauth/callback`),
     * which administrators consent to in delegated mode. Unset: delegated integrations are refused.
     */
    TENANTLENS_CLIENT_ID: z
      .string()
      .trim()
      .regex(GUID, "expected the application (client) id: a GUID")
      .transform((v) => v.toLowerCase())
      .optional(),
    TENANTLENS_CLIENT_SECRET: secret().optional(),
    LOG_LEVEL: logLevel,
  })
  .superRefine((c, ctx) => {
    if (c.TENANTLENS_CLIENT_ID && !c.TENANTLENS_CLIENT_SECRET)
      ctx.addIssue({
        code: "custom",
        path: ["TENANTLENS_CLIENT_SECRET"],
        message: "required when TENANTLENS_CLIENT_ID is set",
      });
    if (c.TENANTLENS_CLIENT_SECRET && !c.TENANTLENS_CLIENT_ID)
      ctx.addIssue({
        code: "custom",
        path: ["TENANTLENS_CLIENT_ID"],
        message: "required when TENANTLENS_CLIENT_SECRET is set",
      });
  });

export type AuthConfig = z.infer<typeof authConfigSchema>;
