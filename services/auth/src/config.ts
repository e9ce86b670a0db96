import {
  authorityHost,
  dataDir,
  graphEndpoint,
  httpUrl,
  logLevel,
  natsUrl,
  secret,
  z,
} from "@tenantlens/config";

/** A base64 AES-256 key: exactly 32 bytes once decoded. */
const base64Key = z.string().transform((raw, ctx) => {
  const v = raw.trim();
  const bytes = Buffer.from(v, "base64");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(v) || bytes.length !== 32) {
    ctx.issues.push({
      code: "custom",
      input: raw,
      message: "expected 32 random bytes in base64 (e.g. `openssl rand -base64 32`)",
    });
    return z.NEVER;
  }
  return bytes;
});

/** Comma-separated older keys that may still open existing values during a rotation. */
const base64Keys = z.string().transform((raw, ctx) => {
  const keys: Buffer[] = [];
  for (const part of raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const parsed = base64Key.safeParse(part);
    if (!parsed.success) {
      ctx.issues.push({
        code: "custom",
        input: raw,
        message: "expected comma-separated base64 keys of 32 bytes",
      });
      return z.NEVER;
    }
    keys.push(parsed.data);
  }
  return keys;
});

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const authConfigSchema = z
  .object({
    NATS_URL: natsUrl,
    TENANTLENS_DATA_DIR: dataDir,
    AZURE_AUTHORITY_HOST: authorityHost,
    GRAPH_ENDPOINT: graphEndpoint,
    /** Absent: a key file under <data dir>/keys/ is created on first start and reused. */
    TENANTLENS_SECRET_KEY: base64Key.optional(),
    TENANTLENS_SECRET_KEY_PREVIOUS: base64Keys.optional(),
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
