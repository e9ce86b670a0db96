import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "@tenantlens/config";
import { authConfigSchema } from "./config.js";

describe("auth config", () => {
  it("has working defaults", () => {
    const c = loadConfig(authConfigSchema, {});
    assert.equal(c.AZURE_AUTHORITY_HOST, "https://login.microsoftonline.com");
    assert.equal(c.GRAPH_ENDPOINT, "https://graph.microsoft.com");
    assert.equal(c.PUBLIC_URL, "http://localhost:8080");
    assert.equal(c.TENANTLENS_SECRET_KEY, undefined);
  });

  it("decodes a 32-byte base64 key and older keys", () => {
    const k = randomBytes(32);
    const c = loadConfig(authConfigSchema, {
      TENANTLENS_SECRET_KEY: k.toString("base64"),
      TENANTLENS_SECRET_KEY_PREVIOUS: `${randomBytes(32).toString("base64")}, ${randomBytes(32).toString("base64")}`,
    });
    assert.deepEqual(c.TENANTLENS_SECRET_KEY, k);
    assert.equal(c.TENANTLENS_SECRET_KEY_PREVIOUS?.length, 2);
  });

  it("takes the Tenantlens app registration for delegated mode only as a pair", () => {
    const id = "2A1B3C4D-0000-4000-8000-000000000001";
    const c = loadConfig(authConfigSchema, {
      TENANTLENS_CLIENT_ID: id,
      TENANTLENS_CLIENT_SECRET: "abc8Q~secret",
    });
    assert.equal(c.TENANTLENS_CLIENT_ID, id.toLowerCase());
    assert.equal(c.TENANTLENS_CLIENT_SECRET, "abc8Q~secret");
    assert.throws(
      () => loadConfig(authConfigSchema, { TENANTLENS_CLIENT_ID: id }),
      (e: unknown) => e instanceof ConfigError && /TENANTLENS_CLIENT_SECRET: required/.test(e.message),
    );
    assert.throws(
      () =>
        loadConfig(authConfigSchema, {
          TENANTLENS_CLIENT_ID: "not-a-guid",
          TENANTLENS_CLIENT_SECRET: "s3cr3t-value",
        }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /TENANTLENS_CLIENT_ID: expected/.test(e.message) &&
        !e.message.includes("s3cr3t-value"),
    );
  });

  it("names every bad variable and never echoes a key", () => {
    try {
      loadConfig(authConfigSchema, {
        TENANTLENS_SECRET_KEY: "dG9vIHNob3J0",
        AZURE_AUTHORITY_HOST: "http://insecure.example",
      });
      assert.fail("expected ConfigError");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const text = err.lines.join("\n");
      assert.match(text, /TENANTLENS_SECRET_KEY: expected 32 random bytes/);
      assert.match(text, /AZURE_AUTHORITY_HOST: expected an https:\/\/ URL/);
      assert.ok(!text.includes("dG9vIHNob3J0"));
    }
  });
});
