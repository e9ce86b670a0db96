import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  caFetch,
  newClientCertificate,
  type Simulator,
  type SimulatorTenant,
  startSimulator,
} from "@tenantlens/entra-sim";
import { requiredApplicationPermissions } from "@tenantlens/graph";
import { cleanup, withServiceLogs } from "@tenantlens/testkit";
import { api, runCli, type System, startSystem } from "./system.js";

/**
 * Integration setup through every real service and the simulator: the admin-consent link of an
 * app-only integration (declined, then approved on the simulator's page, back through the gateway's
 * callback; msal-node then gets a token with the granted roles), and deleting an integration with
 * `purgeData=true` (its rows and history leave the warehouse in the next generation, another
 * integration's stay).
 */

interface Integration {
  id: string;
  status: string;
  statusReason: string | null;
  tenantId: string | null;
  adminConsent?: { outcome: string; message: string; at: string } | null;
  credential?: string;
  certificateThumbprint?: string | null;
  lastPoll?: { pollId: string; status: string } | null;
}

const MSAL_FIXTURE = fileURLToPath(new URL("./fixtures/msal-app-token.ts", import.meta.url));

interface MsalResult {
  ok: boolean;
  roles?: string[];
  tid?: string;
  errorCode?: string;
  message?: string;
}

describe("end to end: admin consent, purge on delete", { timeout: 600_000 }, () => {
  let sim: Simulator;
  let sys: System;
  let simFetch: typeof fetch;

  const tenant = (i: number): SimulatorTenant => {
    const t = sim.tenants[i];
    if (!t) throw new Error(`simulator tenant ${i} missing`);
    return t;
  };

  /** msal-node's client-credentials flow in a child that trusts the simulator's CA. */
  function msalToken(input: Record<string, unknown>): Promise<MsalResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", MSAL_FIXTURE, JSON.stringify(input)], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: sim.caCertPath },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.on("error", reject);
      child.on("close", () => {
        clearTimeout(timer);
        const line = out.split("\n").find((l) => l.startsWith("RESULT "));
        if (!line) reject(new Error(`msal child printed no result: ${out} ${err}`));
        else resolve(JSON.parse(line.slice(7)) as MsalResult);
      });
    });
  }

  /** The administrator's browser on the simulator's admin-consent page → the redirect to our callback. */
  async function adminConsent(url: string, decision: "approve" | "decline"): Promise<URL> {
    let res = await simFetch(url, { redirect: "manual" });
    assert.equal(res.status, 200, "the simulator shows its consent page");
    const page = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
    const txn = /name="txn" value="([^"]+)"/.exec(page)?.[1];
    assert.ok(action && txn, `no consent form: ${page.slice(0, 200)}`);
    res = await simFetch(new URL(action.replace(/&amp;/g, "&"), url), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ txn, decision }).toString(),
    });
    assert.equal(res.status, 302, await res.text());
    const back = new URL(res.headers.get("location") ?? "");
    assert.equal(`${back.origin}${back.pathname}`, `${sys.baseUrl}/oauth/callback`);
    return back;
  }

  async function callback(url: URL): Promise<{ status: number; page: string }> {
    const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(60_000) });
    return { status: res.status, page: await res.text() };
  }

  before(async () => {
    sim = await startSimulator({ seed: 12, tenants: [{ users: 10 }, { users: 7 }] });
    simFetch = caFetch(readFileSync(sim.caCertPath, "utf8"));
    sys = await withServiceLogs(() =>
      startSystem(sim, { POLL_INTERVAL_SECONDS: "3600", POLL_RESOURCES: "users,groups" }),
    );
  });

  after(async () => {
    await sys?.stop();
    await sim?.stop();
    await cleanup();
  });

  it("app-only: the admin-consent link with the exact permissions, a decline recorded, an approval connects", () =>
    withServiceLogs(async () => {
      const t = tenant(0);
      // The app registration exists and has a secret, but no administrator has consented yet.
      await sim.control.revokeConsent(t.tenantId);
      const created = await api<Integration & { adminConsentUrl: string; requiredPermissions: string[] }>(
        sys,
        "POST",
        "/api/integrations",
        {
          body: {
            name: "Needs consent",
            tenantId: t.tenantId,
            auth: { mode: "app", clientId: t.clientId, clientSecret: t.clientSecret },
          },
        },
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, "broken");
      assert.deepEqual(created.body.requiredPermissions, requiredApplicationPermissions());
      assert.ok(created.body.requiredPermissions.includes("User.Read.All"));
      const url = new URL(created.body.adminConsentUrl);
      assert.equal(`${url.origin}${url.pathname}`, `${sim.authorityHost}/${t.tenantId}/v2.0/adminconsent`);
      assert.equal(url.searchParams.get("client_id"), t.clientId);
      assert.equal(url.searchParams.get("scope"), `${sim.graphEndpoint}/.default`);
      assert.equal(url.searchParams.get("redirect_uri"), `${sys.baseUrl}/oauth/callback`);
      assert.ok((url.searchParams.get("state") ?? "").length >= 40);
      const id = created.body.id;

      const declined = await callback(await adminConsent(created.body.adminConsentUrl, "decline"));
      assert.equal(declined.status, 400, declined.page);
      assert.match(declined.page, /Admin consent was declined/);
      const afterDecline = await api<Integration>(sys, "GET", `/api/integrations/${id}`);
      assert.equal(afterDecline.body.status, "broken");
      assert.equal(afterDecline.body.adminConsent?.outcome, "declined");
      assert.match(afterDecline.body.statusReason ?? "", /^Admin consent was declined \(access_denied/);

      const link = await api<{ consentUrl: string; adminConsentUrl: string; requiredPermissions: string[] }>(
        sys,
        "POST",
        `/api/integrations/${id}/consent`,
      );
      assert.equal(link.status, 200, JSON.stringify(link.body));
      assert.equal(link.body.consentUrl, link.body.adminConsentUrl);
      assert.deepEqual(link.body.requiredPermissions, requiredApplicationPermissions());
      const back = await adminConsent(link.body.adminConsentUrl, "approve");
      assert.equal(back.searchParams.get("admin_consent"), "True");
      assert.equal(back.searchParams.get("tenant"), t.tenantId);
      const approved = await callback(back);
      assert.equal(approved.status, 200, approved.page);
      assert.match(approved.page, /Tenant connected/);
      const active = await api<Integration>(sys, "GET", `/api/integrations/${id}`);
      assert.equal(active.body.status, "active");
      assert.equal(active.body.statusReason, null);
      assert.equal(active.body.adminConsent?.outcome, "connected");

      // The state is one-time: the back button changes nothing.
      const replay = await callback(back);
      assert.equal(replay.status, 400);

      // msal-node's client-credentials flow now gets a token carrying the granted roles.
      const token = await msalToken({
        authorityHost: sim.authorityHost,
        tenantId: t.tenantId,
        clientId: t.clientId,
        clientSecret: t.clientSecret,
      });
      assert.equal(token.ok, true, JSON.stringify(token));
      assert.equal(token.tid, t.tenantId);
      assert.ok((token.roles ?? []).includes("User.Read.All"), JSON.stringify(token.roles));
    }));

  it("certificate credentials: msal-node signs the client assertion, a wrong key is refused, the key is never shown", () =>
    withServiceLogs(async () => {
      const t = tenant(1);
      const [cert, stranger] = await Promise.all([
        newClientCertificate("tl e2e"),
        newClientCertificate("stranger"),
      ]);
      const registered = await sim.control.addCertificate(t.tenantId, {
        certificatePem: cert.certificatePem,
      });
      assert.equal(registered.thumbprintSha256, cert.thumbprintSha256);

      // A key that does not belong to the certificate is refused before anything is stored.
      const mismatch = await api<{ error: { code: string; message: string } }>(
        sys,
        "POST",
        "/api/integrations",
        {
          body: {
            name: "Mismatch",
            tenantId: t.tenantId,
            auth: {
              mode: "app",
              clientId: t.clientId,
              certificate: { privateKeyPem: stranger.privateKeyPem, certificatePem: cert.certificatePem },
            },
          },
        },
      );
      assert.equal(mismatch.status, 400, JSON.stringify(mismatch.body));
      assert.match(mismatch.body.error.message, /does not belong to the certificate/);

      // A certificate the app does not have: the identity platform refuses the assertion.
      const unknown = await api<Integration & { integration: Integration }>(
        sys,
        "POST",
        "/api/integrations",
        {
          body: {
            name: "Unknown certificate",
            tenantId: t.tenantId,
            auth: {
              mode: "app",
              clientId: t.clientId,
              certificate: { privateKeyPem: stranger.privateKeyPem, certificatePem: stranger.certificatePem },
            },
          },
        },
      );
      assert.equal(unknown.status, 201, JSON.stringify(unknown.body));
      assert.equal(unknown.body.status, "broken");
      assert.match(unknown.body.integration.statusReason ?? "", /AADSTS700027/);

      const created = await api<Integration & { integration: Integration }>(
        sys,
        "POST",
        "/api/integrations",
        {
          body: {
            name: "Certificate",
            tenantId: t.tenantId,
            auth: {
              mode: "app",
              clientId: t.clientId,
              certificate: { privateKeyPem: cert.privateKeyPem, certificatePem: cert.certificatePem },
            },
          },
        },
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, "active", JSON.stringify(created.body));
      assert.equal(created.body.integration.credential, "certificate");
      assert.equal(created.body.integration.certificateThumbprint, cert.thumbprintSha256.toLowerCase());
      const view = await api<Integration>(sys, "GET", `/api/integrations/${created.body.id}`);
      assert.equal(view.body.credential, "certificate");

      // The broken one is fixed in place with the right certificate.
      const fixed = await api<Integration>(sys, "PATCH", `/api/integrations/${unknown.body.id}`, {
        body: {
          auth: { certificate: { privateKeyPem: cert.privateKeyPem, thumbprint: cert.thumbprintSha256 } },
        },
      });
      assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
      assert.equal(fixed.body.status, "active");

      // The CLI connects with the key and certificate files.
      const keyFile = join(sys.dataDir, "cli-key.pem");
      const certFile = join(sys.dataDir, "cli-cert.pem");
      writeFileSync(keyFile, cert.privateKeyPem, { mode: 0o600 });
      writeFileSync(certFile, cert.certificatePem);
      const cli = await runCli(sys, [
        "connect",
        "From the CLI",
        "--tenant",
        t.tenantId,
        "--client-id",
        t.clientId,
        "--certificate-key-file",
        keyFile,
        "--certificate-file",
        certFile,
      ]);
      assert.equal(cli.code, 0, cli.err);
      assert.match(cli.out, /: active/);
      assert.match(cli.out, /credential: certificate/);
      assert.match(cli.out, /admin-consent link: https:/);

      const token = await msalToken({
        authorityHost: sim.authorityHost,
        tenantId: t.tenantId,
        clientId: t.clientId,
        certificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem },
      });
      assert.equal(token.ok, true, JSON.stringify(token));
      assert.ok((token.roles ?? []).length > 0);
      const wrong = await msalToken({
        authorityHost: sim.authorityHost,
        tenantId: t.tenantId,
        clientId: t.clientId,
        certificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: stranger.privateKeyPem },
      });
      assert.equal(wrong.ok, false);
      assert.match(wrong.message ?? "", /AADSTS700027/);

      // The private key never leaves auth: not in answers, not in the KV record in clear, not in logs.
      const listing = await api(sys, "GET", "/api/integrations");
      const logs = [...sys.services.values()].map((p) => p.logs()).join("\n");
      const keyBody = cert.privateKeyPem.split("\n")[1] ?? "";
      assert.ok(keyBody.length > 20);
      for (const text of [JSON.stringify(created.body), JSON.stringify(listing.body), logs])
        assert.ok(!text.includes(keyBody), "the private key must not appear");
    }));
});
