import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { startSimulator } from "@tenantlens/entra-sim";
import { main as cli } from "@tenantlens/query/cli";
import { cleanup, waitFor, withServiceLogs } from "@tenantlens/testkit";
import { Webhook } from "standardwebhooks";
import { api, type System, startSystem } from "./system.js";

/**
 * Key rotation that finishes, at process level: secrets sealed under key A (an active and a
 * disabled integration, a webhook channel's signing secret and custom header), the services
 * restarted with key B and A as the previous key, one re-seal, then A dropped: everything still
 * opens under B alone.
 */

const keyA = randomBytes(32).toString("base64");
const keyB = randomBytes(32).toString("base64");

describe("secret key rotation", { timeout: 400_000 }, () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let sys: System;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const receiver = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });

  before(async () => {
    sim = await startSimulator({ seed: 5, tenants: [{ users: 20 }] });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    sys = await withServiceLogs(() =>
      startSystem(sim, {
        POLL_INTERVAL_SECONDS: "0",
        POLL_RESOURCES: "users,groups",
        TENANTLENS_SECRET_KEY: keyA,
        NOTIFIER_ALLOWED_TARGETS: "127.0.0.1",
      }),
    );
  });

  after(async () => {
    receiver.close();
    await sys?.stop();
    await sim?.stop();
    await cleanup();
  });

  async function restart(env: Record<string, string | undefined>): Promise<void> {
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete sys.env[k];
      else sys.env[k] = v;
    }
    for (const name of ["auth", "notifier"]) {
      await sys.services.get(name)?.stop();
      await sys.start(name);
    }
  }

  it("re-seals every secret under the new key, after which the previous key can be dropped", () =>
    withServiceLogs(async () => {
      const tenant = sim.tenants[0]!;
      const connect = async (name: string) => {
        const res = await api<{ id: string; status: string }>(sys, "POST", "/api/integrations", {
          body: {
            name,
            tenantId: tenant.tenantId,
            auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
          },
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal(res.body.status, "active");
        return res.body.id;
      };
      await connect("Rotation active");
      const disabled = await connect("Rotation disabled");
      assert.equal((await api(sys, "POST", `/api/integrations/${disabled}/disable`)).status, 200);
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const channel = await api<{ channel: { id: string }; secret: string }>(sys, "POST", "/api/channels", {
        body: { kind: "webhook", name: "Rotation hook", url, headers: { "x-soc-token": "sealed-value" } },
      });
      assert.equal(channel.status, 201, JSON.stringify(channel.body));

      // Step 1: the new key current, the old one still readable.
      await restart({ TENANTLENS_SECRET_KEY: keyB, TENANTLENS_SECRET_KEY_PREVIOUS: keyA });
      type Report = {
        services: { service: string; kinds: { kind: string; total: number; resealed: number }[] }[];
      };
      const first = await api<Report>(sys, "POST", "/api/admin/secrets/reseal");
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const count = (r: Report, kind: string) =>
        r.services.flatMap((s) => s.kinds).find((k) => k.kind === kind) ?? { total: -1, resealed: -1 };
      assert.deepEqual(count(first.body, "integration client secrets"), {
        kind: "integration client secrets",
        total: 2,
        resealed: 2,
      });
      assert.deepEqual(count(first.body, "webhook channel secrets and headers"), {
        kind: "webhook channel secrets and headers",
        total: 1,
        resealed: 1,
      });
      // Again, through the CLI: nothing is left under A.
      let out = "";
      const code = await cli(
        ["reseal-secrets", "--format", "json"],
        { TENANTLENS_URL: sys.baseUrl, TENANTLENS_API_KEY: sys.apiKey },
        {
          stdout: { write: (s: string | Uint8Array) => (out += String(s)) },
          stderr: { write: () => undefined },
          readStdin: async () => null,
        },
      );
      assert.equal(code, 0);
      const again = JSON.parse(out) as Report;
      assert.ok(
        again.services.flatMap((s) => s.kinds).every((k) => k.resealed === 0),
        out,
      );

      // Step 2: the old key dropped. The disabled integration's secret and the channel's still open.
      await restart({ TENANTLENS_SECRET_KEY: keyB, TENANTLENS_SECRET_KEY_PREVIOUS: undefined });
      const enabled = await api<{ status: string; statusReason: string | null }>(
        sys,
        "POST",
        `/api/integrations/${disabled}/enable`,
      );
      assert.equal(enabled.status, 200, JSON.stringify(enabled.body));
      assert.equal(enabled.body.status, "active", String(enabled.body.statusReason));
      const test = await api<{ notification: { status: string } }>(
        sys,
        "POST",
        `/api/channels/${channel.body.channel.id}/test`,
      );
      assert.equal(test.body.notification.status, "delivered", JSON.stringify(test.body));
      const hook = await waitFor(() => received.at(-1), { what: "the test webhook" });
      assert.equal(hook.headers["x-soc-token"], "sealed-value");
      new Webhook(channel.body.secret).verify(hook.body, {
        "webhook-id": String(hook.headers["webhook-id"]),
        "webhook-timestamp": String(hook.headers["webhook-timestamp"]),
        "webhook-signature": String(hook.headers["webhook-signature"]),
      });
    }));
});
