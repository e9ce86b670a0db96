import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { demoAppEnv, parseSimReady, type SimReady } from "./simulator.js";

describe("simulator READY line", () => {
  it("parses the line the CLI prints", () => {
    const ready = {
      graphEndpoint: "https://localhost:4443",
      authorityHost: "https://localhost:4443",
      caCertPath: "/tmp/ca.pem",
      adminKey: "k",
      tenants: [{ tenantId: "t", clientId: "c", clientSecret: "s" }],
    };
    assert.deepEqual(parseSimReady(`READY ${JSON.stringify(ready)}`), ready);
  });
  it("ignores everything else", () => {
    assert.equal(parseSimReady("starting"), undefined);
    assert.equal(parseSimReady("READY {broken"), undefined);
    assert.equal(parseSimReady(`READY ${JSON.stringify({ tenants: [] })}`), undefined);
  });
  it("configures auth with the simulator's Tenantlens app unless the user set one", () => {
    const sim: SimReady = {
      graphEndpoint: "https://localhost:4443",
      authorityHost: "https://localhost:4443",
      caCertPath: "/tmp/ca.pem",
      adminKey: "k",
      tenants: [{ tenantId: "t", clientId: "c", clientSecret: "s" }],
    };
    assert.deepEqual(demoAppEnv(sim, {}), { TENANTLENS_CLIENT_ID: "c", TENANTLENS_CLIENT_SECRET: "s" });
    assert.deepEqual(demoAppEnv(sim, { TENANTLENS_CLIENT_ID: "mine", TENANTLENS_CLIENT_SECRET: "x" }), {});
  });
});
