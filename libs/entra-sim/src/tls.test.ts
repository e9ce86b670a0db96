import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { caFetch, ensureTls } from "./tls.js";

let dir: string;

describe("simulator TLS", () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "entra-sim-tls-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("writes a CA and a server certificate for localhost and 127.0.0.1 signed by it", async () => {
    const tls = await ensureTls(dir);
    assert.equal(tls.caCertPath, join(dir, "ca.pem"));
    assert.equal(await readFile(tls.caCertPath, "utf8"), tls.caCert);
    const ca = new X509Certificate(tls.caCert);
    const cert = new X509Certificate(tls.cert);
    assert.ok(ca.ca);
    assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey));
    assert.equal(cert.checkHost("localhost"), "localhost");
    assert.equal(cert.checkIP("127.0.0.1"), "127.0.0.1");
    assert.equal((await stat(join(dir, "server-key.pem"))).mode & 0o077, 0);
  });

  it("reuses the material on the next start, so clients that trust ca.pem keep trusting it", async () => {
    const first = await ensureTls(dir);
    const second = await ensureTls(dir);
    assert.equal(second.caCert, first.caCert);
    assert.equal(second.cert, first.cert);
  });

  it("serves HTTPS that a CA-pinned client accepts on both host names", async () => {
    const tls = await ensureTls(dir);
    const server = createServer({ cert: tls.cert, key: tls.key }, (_req, res) => res.end("hello"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const f = caFetch(tls.caCert);
      for (const host of ["localhost", "127.0.0.1"]) {
        const res = await f(`https://${host}:${port}/`);
        assert.equal(await res.text(), "hello");
      }
      await assert.rejects(
        fetch(`https://127.0.0.1:${port}/`),
        "the default trust store does not know the CA",
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
