import { createHash, randomBytes } from "node:crypto";
import { type CryptoKey, errors, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { AccessTokenClaims, TokenCheck } from "../types.js";

/** Claims accepted from a verified JWT; extra claims pass through untouched. */
const accessClaimsSchema = z
  .object({
    aud: z.string(),
    iss: z.string(),
    tid: z.string(),
    appid: z.string(),
    roles: z.array(z.string()).optional(),
    scp: z.string().optional(),
    oid: z.string().optional(),
    iat: z.number(),
    nbf: z.number(),
    exp: z.number(),
  })
  .loose();

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/** One RS256 key per simulator run, like Entra's shared signing keys for all tenants. */
export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = createHash("sha1")
    .update(publicJwk.n ?? "")
    .digest("base64url");
  return { kid, privateKey, publicKey, publicJwk: { ...publicJwk, kid, use: "sig", alg: "RS256", x5t: kid } };
}

export interface AccessTokenInput {
  tenantId: string;
  issuer: string;
  audience: string;
  appId: string;
  appDisplayName: string;
  roles?: string[];
  scopes?: string[];
  user?: { id: string; userPrincipalName: string; displayName: string };
  lifetimeSeconds: number;
  now?: number;
}

export interface MintedToken {
  token: string;
  claims: AccessTokenClaims & Record<string, unknown>;
  expiresIn: number;
}

const VERIFIED_CACHE_LIMIT = 2_000;

/** Mints and verifies the simulator's JWTs. */
export class TokenService {
  // Graph checks every request's bearer token; caching verified tokens keeps 1M-object paging cheap.
  private readonly verified = new Map<string, AccessTokenClaims>();

  constructor(
    private readonly key: SigningKey,
    private readonly acceptedAudiences: readonly string[],
  ) {}

  jwks(): { keys: JWK[] } {
    return { keys: [this.key.publicJwk] };
  }

  async mintAccessToken(input: AccessTokenInput): Promise<MintedToken> {
    const iat = Math.floor((input.now ?? Date.now()) / 1000);
    const exp = iat + input.lifetimeSeconds;
    const claims: AccessTokenClaims & Record<string, unknown> = {
      aud: input.audience,
      iss: input.issuer,
      iat,
      nbf: Math.min(iat, exp),
      exp,
      app_displayname: input.appDisplayName,
      appid: input.appId,
      appidacr: "1",
      idp: input.issuer,
      idtyp: input.user ? "user" : "app",
      tid: input.tenantId,
      uti: randomBytes(16).toString("base64url"),
      ver: "2.0",
    };
    if (input.roles && input.roles.length > 0) claims.roles = [...input.roles];
    if (input.user) {
      claims.oid = input.user.id;
      claims.sub = pairwiseSub(input.user.id, input.appId);
      claims.upn = input.user.userPrincipalName;
      claims.unique_name = input.user.userPrincipalName;
      claims.name = input.user.displayName;
      claims.scp = (input.scopes ?? []).join(" ");
    }
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: this.key.kid, x5t: this.key.kid })
      .sign(this.key.privateKey);
    return { token, claims, expiresIn: input.lifetimeSeconds };
  }

  async mintIdToken(input: {
    tenantId: string;
    issuer: string;
    clientId: string;
    user: { id: string; userPrincipalName: string; displayName: string };
    nonce?: string;
    lifetimeSeconds: number;
  }): Promise<string> {
    const iat = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      aud: input.clientId,
      iss: input.issuer,
      iat,
      nbf: iat,
      exp: iat + input.lifetimeSeconds,
      name: input.user.displayName,
      oid: input.user.id,
      preferred_username: input.user.userPrincipalName,
      sub: pairwiseSub(input.user.id, input.clientId),
      tid: input.tenantId,
      uti: randomBytes(16).toString("base64url"),
      ver: "2.0",
    };
    if (input.nonce) claims.nonce = input.nonce;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: this.key.kid })
      .sign(this.key.privateKey);
  }

  /** Signature, expiry (no clock skew, so tests can mint already-expired tokens) and audience. */
  async verifyAccessToken(token: string): Promise<TokenCheck> {
    if (!token) return invalid("Access token is empty.");
    if (token.split(".").length !== 3) {
      return invalid(
        "IDX14100: JWT is not well formed, there are no dots (.). The token needs to be in JWS or JWE Compact Serialization Format.",
      );
    }
    const cached = this.verified.get(token);
    if (cached) {
      return cached.exp > Date.now() / 1000
        ? { ok: true, claims: cached }
        : invalid("Lifetime validation failed, the token is expired.");
    }
    try {
      const { payload } = await jwtVerify(token, this.key.publicKey, {
        algorithms: ["RS256"],
        audience: [...this.acceptedAudiences],
      });
      const parsed = accessClaimsSchema.safeParse(payload);
      if (!parsed.success) return invalid("Access token validation failure. Required claims are missing.");
      const claims = parsed.data as AccessTokenClaims;
      if (this.verified.size >= VERIFIED_CACHE_LIMIT) this.verified.clear();
      this.verified.set(token, claims);
      return { ok: true, claims };
    } catch (e) {
      if (e instanceof errors.JWTExpired) return invalid("Lifetime validation failed, the token is expired.");
      if (e instanceof errors.JWTClaimValidationFailed) {
        return e.claim === "aud"
          ? invalid("Access token validation failure. Invalid audience.")
          : invalid(`Access token validation failure. Claim '${e.claim}' is not valid.`);
      }
      if (e instanceof errors.JWSSignatureVerificationFailed) {
        return invalid("Access token validation failure. IDX10511: Signature validation failed.");
      }
      return invalid("Access token validation failure. The token is malformed.");
    }
  }
}

function invalid(message: string): TokenCheck {
  return { ok: false, code: "InvalidAuthenticationToken", message };
}

/** Entra's `sub` is pairwise: stable per user and app, different across apps. */
function pairwiseSub(userId: string, appId: string): string {
  return createHash("sha256").update(`${userId}:${appId}`).digest("base64url").slice(0, 43);
}
