import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { AppError, type CertificateInput } from "@tenantlens/contracts";

/** What msal-node's `clientCertificate` needs, in clear (only in memory, only while used). */
export interface ClientCertificate {
  /** Hex SHA-256 (msal signs PS256 with `x5t#S256`) or SHA-1 (RS256 with `x5t`) thumbprint. */
  thumbprint: string;
  kind: "sha256" | "sha1";
  privateKey: string;
  /** The certificate (PEM) when given: sent as `x5c` (subject name / issuer authentication). */
  x5c: string | null;
}

function bad(message: string): AppError {
  return new AppError("bad_request", `certificate: ${message}`);
}

/**
 * Checks a certificate credential before anything is stored: the key must be an RSA private key;
 * with the certificate, it must be the certificate's key, and the thumbprint is the certificate's
 * SHA-256; otherwise the thumbprint given is used as is. The key goes on in PKCS#8 PEM.
 */
export function parseCertificate(input: CertificateInput): ClientCertificate {
  let key: KeyObject;
  try {
    key = createPrivateKey(input.privateKeyPem);
  } catch {
    throw bad(
      "privateKeyPem is not a PEM private key (expected -----BEGIN PRIVATE KEY----- or RSA PRIVATE KEY)",
    );
  }
  if (key.asymmetricKeyType !== "rsa") throw bad("the private key must be an RSA key");
  const privateKey = key.export({ type: "pkcs8", format: "pem" }).toString();
  if (input.certificatePem) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(input.certificatePem);
    } catch {
      throw bad("certificatePem is not a PEM X.509 certificate");
    }
    if (!cert.checkPrivateKey(key)) throw bad("the private key does not belong to the certificate");
    if (Date.parse(cert.validTo) <= Date.now()) throw bad(`the certificate expired on ${cert.validTo}`);
    const fromCert = cert.fingerprint256.replace(/:/g, "").toLowerCase();
    const given = input.thumbprint?.toLowerCase();
    const sha1 = cert.fingerprint.replace(/:/g, "").toLowerCase();
    if (given && given !== fromCert && given !== sha1) throw bad("the thumbprint is not the certificate's");
    return { thumbprint: fromCert, kind: "sha256", privateKey, x5c: cert.toString() };
  }
  if (!input.thumbprint) throw bad("give certificatePem or thumbprint with the private key");
  const t = input.thumbprint.toLowerCase();
  return { thumbprint: t, kind: t.length === 64 ? "sha256" : "sha1", privateKey, x5c: null };
}
