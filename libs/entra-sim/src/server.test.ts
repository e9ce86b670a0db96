import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { assembleSimulator } from "./server.js";
import { caFetch } from "./tls.js";

describe("server assembly", () => {
  it("routes identity paths to identity, the rest (with node bindings) to the Graph half, and stops it", async () => {
    const seen: string[] = [];
    let stopped = 0;
    let sawBindings = false;
    const sim = await assembleSimulator(
      { port: 0, seed: 1, tenants: [{}], redirectUris: [], autoApprove: false },
      (identity, tenants) => {
        assert.equal(identity.tenant(tenants[0]?.tenantId ?? "")?.tenantId, tenants[0]?.tenantId);
        return {
          fetch: (req, env) => {
            const path = new URL(req.url).pathname;
            seen.push(`${req.method} ${path}`);
            sawBindings ||= typeof env === "object" && env !== null && "incoming" in env;
            if (path === "/v1.0/boom") throw new Error("graph bug");
            return Response.json({ path });
          },
          stop: () => {
            stopped++;
          },
        };
      },
    );
    const f = caFetch(readFileSync(sim.caCertPath, "utf8"));
    const key = { "x-sim-key": sim.adminKey };
    const tenantId = sim.tenants[0]?.tenantId ?? "";

    assert.equal((await f(`${sim.graphEndpoint}/v1.0/users?$top=5`)).status, 200);
    assert.equal((await f(`${sim.graphEndpoint}/beta/users`)).status, 200);
    assert.equal(
      (await f(`${sim.graphEndpoint}/_sim/faults`, { method: "PUT", headers: key, body: "{}" })).status,
      200,
    );
    assert.equal((await f(`${sim.graphEndpoint}/_sim/tenants`, { headers: key })).status, 200);
    assert.equal(
      (await f(`${sim.authorityHost}/${tenantId}/v2.0/.well-known/openid-configuration`)).status,
      200,
    );
    assert.deepEqual(seen, ["GET /v1.0/users", "GET /beta/users", "PUT /_sim/faults"]);
    assert.ok(sawBindings, "the Graph half gets the node bindings (incoming/outgoing) for connection faults");

    const boom = await f(`${sim.graphEndpoint}/v1.0/boom`);
    assert.equal(boom.status, 500);
    assert.equal(((await boom.json()) as { error: { code: string } }).error.code, "InternalServerError");
    assert.equal(
      (await f(`${sim.graphEndpoint}/v1.0/users`)).status,
      200,
      "still serving after a handler bug",
    );

    await Promise.all([sim.stop(), sim.stop()]);
    assert.equal(stopped, 1);
    assert.equal(existsSync(sim.caCertPath), false);
    await assert.rejects(f(`${sim.graphEndpoint}/v1.0/users`));
  });

  it("frees the port and the temp dir when the Graph half fails to build", async () => {
    await assert.rejects(
      assembleSimulator({ port: 0, seed: 1, tenants: [{}], redirectUris: [], autoApprove: false }, () => {
        throw new Error("generator failed");
      }),
      /generator failed/,
    );
  });
});
