import { constants, createHash, type KeyObject, verify, X509Certificate } from "node:crypto";
import type { SimApp, SimCertificate } from "../types.js";
import { type EntraError, Errors } from "./errors.js";

/** `client_assertion_type` of a certificate credential (RFC 7523). */
export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** Entra tolerates a few minutes of clock skew on assertions. */
const SKEW_S = 300;

/** Registers a certificate on an app: thumbprints computed from the DER, dates from the certificate. */
export function certificateFromPem(pem: string, keyId: string, displayName?: string): SimCertificate {
  const cert = new X509Certificate(pem);
  const der = cert.raw;
  return {
    keyId,
    thumbprint: createHash("sha1").update(der).digest("hex").toUpperCase(),
    thumbprintSha256: createHash("sha256").update(der).digest("hex").toUpperCase(),
    certificatePem: cert.toString(),
    startDateTime: new Date(cert.validFrom).toISOString(),
    endDateTime: new Date(cert.validTo).toISOString(),
    ...(displayName ? { displayName } : {}),
  };
}

function part(segment: string | undefined): Record<string, unknown> | undefined {
  if (!segment) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The identity platform's certificate-credential rules: a JWT signed RS256 or PS256 with the key of
 * a certificate registered on the app (found by its `x5t#S256` or `x5t` header), `iss` = `sub` =
 * client id, `aud` = the token endpoint, and `nbf`/`exp` around now. Null when it holds.
 */
export function checkClientAssertion(
  app: SimApp,
  assertion: string,
  opts: { audiences: readonly string[]; now?: number },
): EntraError | null {
  const [h, p, sig, ...rest] = assertion.split(".");
  const header = part(h);
  const claims = part(p);
  if (!header || !claims || !sig || rest.length > 0) return Errors.assertionMalformed("not a signed JWT");
  const alg = header.alg;
  if (alg !== "RS256" && alg !== "PS256")
    return Errors.assertionMalformed(`unsupported alg '${String(alg)}'`);
  const x5tS256 = typeof header["x5t#S256"] === "string" ? (header["x5t#S256"] as string) : undefined;
  const x5t = typeof header.x5t === "string" ? header.x5t : undefined;
  if (!x5tS256 && !x5t) return Errors.assertionMalformed("the header has neither x5t#S256 nor x5t");
  const thumbprint = Buffer.from((x5tS256 ?? x5t) as string, "base64url")
    .toString("hex")
    .toUpperCase();
  const cert = (app.certificates ?? []).find((c) =>
    x5tS256 ? c.thumbprintSha256 === thumbprint : c.thumbprint === thumbprint,
  );
  if (!cert) return Errors.assertionUnknownCertificate(thumbprint, app.clientId);
  const key: KeyObject = new X509Certificate(cert.certificatePem).publicKey;
  const signed = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(sig, "base64url");
  const ok =
    alg === "RS256"
      ? verify("sha256", signed, key, signature)
      : verify(
          "sha256",
          signed,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
          signature,
        );
  if (!ok) return Errors.assertionBadSignature();
  if (claims.iss !== app.clientId || claims.sub !== app.clientId) return Errors.assertionClientMismatch();
  const aud = typeof claims.aud === "string" ? claims.aud : "";
  if (!opts.audiences.includes(aud)) return Errors.assertionAudience(aud, opts.audiences[0] ?? "");
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  const exp = Number(claims.exp);
  const nbf = claims.nbf === undefined ? undefined : Number(claims.nbf);
  if (!Number.isFinite(exp) || exp + SKEW_S <= now) return Errors.assertionTime();
  if (nbf !== undefined && (!Number.isFinite(nbf) || nbf - SKEW_S > now)) return Errors.assertionTime();
  if (Date.parse(cert.endDateTime) <= (opts.now ?? Date.now())) return Errors.assertionTime();
  return null;
}
