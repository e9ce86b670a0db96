import { X509Certificate } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { generate } from "selfsigned";

/** PEM material for the simulator's HTTPS listener; clients trust `caCertPath` via NODE_EXTRA_CA_CERTS. */
export interface SimTls {
  caCertPath: string;
  caCert: string;
  cert: string;
  key: string;
}

const CA_FILE = "ca.pem";
const CA_KEY_FILE = "ca-key.pem";
const CERT_FILE = "server.pem";
const KEY_FILE = "server-key.pem";
const DAY_MS = 86_400_000;

/**
 * Creates (or reuses) a CA and a server certificate for localhost/127.0.0.1 in `dataDir`.
 * Reuse keeps a restarted simulator trusted by clients that already loaded ca.pem at their start.
 */
export async function ensureTls(dataDir: string): Promise<SimTls> {
  await mkdir(dataDir, { recursive: true });
  const caCertPath = join(dataDir, CA_FILE);
  const existing = await readExisting(dataDir);
  if (existing) return { caCertPath, ...existing };

  const now = Date.now();
  const ca = await generate([{ name: "commonName", value: "Tenantlens Entra Simulator CA" }], {
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: new Date(now - DAY_MS),
    notAfterDate: new Date(now + 3650 * DAY_MS),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: new Date(now - DAY_MS),
    notAfterDate: new Date(now + 825 * DAY_MS),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  // Private keys are written owner-only: the data dir may be shared with other tools.
  await writeFile(join(dataDir, CA_KEY_FILE), ca.private, { mode: 0o600 });
  await writeFile(join(dataDir, KEY_FILE), server.private, { mode: 0o600 });
  await writeFile(join(dataDir, CERT_FILE), server.cert);
  await writeFile(caCertPath, ca.cert);
  return { caCertPath, caCert: ca.cert, cert: server.cert, key: server.private };
}

async function readExisting(dataDir: string): Promise<Omit<SimTls, "caCertPath"> | undefined> {
  try {
    const [caCert, cert, key] = await Promise.all([
      readFile(join(dataDir, CA_FILE), "utf8"),
      readFile(join(dataDir, CERT_FILE), "utf8"),
      readFile(join(dataDir, KEY_FILE), "utf8"),
    ]);
    await readFile(join(dataDir, CA_KEY_FILE), "utf8");
    const ca = new X509Certificate(caCert);
    const server = new X509Certificate(cert);
    const stillValid = Date.parse(server.validTo) - Date.now() > DAY_MS;
    const signedByCa = server.checkIssued(ca) && server.verify(ca.publicKey);
    const coversHosts =
      server.checkHost("localhost") !== undefined && server.checkIP("127.0.0.1") !== undefined;
    return stillValid && signedByCa && coversHosts ? { caCert, cert, key } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A fetch that trusts only the simulator's CA, for in-process callers (tests, the library's control
 * client) whose process did not start with NODE_EXTRA_CA_CERTS. Redirects are not followed.
 */
export function caFetch(caCert: string): typeof fetch {
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => {
      headers[k] = v;
    });
    if (body) headers["content-length"] = String(body.length);
    return new Promise<Response>((resolve, reject) => {
      const req = httpsRequest(
        url,
        { method: request.method, headers, ca: caCert, agent: false, signal: init?.signal ?? undefined },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const outHeaders = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (Array.isArray(v)) for (const item of v) outHeaders.append(k, item);
              else if (v !== undefined) outHeaders.set(k, v);
            }
            const status = res.statusCode ?? 500;
            const noBody = status === 204 || status === 304 || request.method === "HEAD";
            resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers: outHeaders }));
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  };
  return impl as typeof fetch;
}

/**
 * A self-signed client certificate and its RSA private key (PKCS#8 PEM), as an administrator makes
 * one for an app registration's certificate credential; `thumbprintSha256` is the hex SHA-256 of
 * the DER, the form msal-node's `clientCertificate` takes.
 */
export async function newClientCertificate(
  commonName = "Tenantlens client",
  days = 365,
): Promise<{ certificatePem: string; privateKeyPem: string; thumbprintSha256: string }> {
  const now = Date.now();
  const pair = await generate([{ name: "commonName", value: commonName }], {
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: new Date(now - DAY_MS),
    notAfterDate: new Date(now + days * DAY_MS),
  });
  const cert = new X509Certificate(pair.cert);
  return {
    certificatePem: pair.cert,
    privateKeyPem: pair.private,
    thumbprintSha256: cert.fingerprint256.replace(/:/g, ""),
  };
}
