import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { catalog, snakeCase } from "./index.js";

describe("catalog", () => {
  it("snake-cases Graph property names", () => {
    assert.equal(snakeCase("displayName"), "display_name");
    assert.equal(snakeCase("onPremisesSyncEnabled"), "on_premises_sync_enabled");
    assert.equal(snakeCase("oauth2PermissionScopes"), "oauth2_permission_scopes");
    assert.equal(snakeCase("id"), "id");
  });

  it("names tables azuread_<snake_singular> and keeps names unique", () => {
    const tables = catalog.map((r) => r.table);
    assert.equal(new Set(tables).size, tables.length);
    for (const r of catalog) {
      assert.match(r.table, /^azuread_[a-z0-9_]+$/);
      const cols = r.columns.map((c) => c.name);
      assert.equal(new Set(cols).size, cols.length, `${r.table} has duplicate columns`);
      assert.equal(cols[0], "id");
      assert.ok(r.permissions.length > 0);
    }
  });
});

describe("catalog declarations", () => {
  it("derives only from delta resources of the catalog, and names singleton ids only on singletons", () => {
    for (const r of catalog) {
      if (r.derived) {
        const parent = catalog.find((p) => p.name === r.derived?.from);
        assert.ok(parent?.delta, `${r.name} derives from a delta resource`);
        assert.ok(
          r.columns.some((c) => c.property === r.derived?.parentKey),
          `${r.name} has its parent key column`,
        );
        assert.ok(catalog.indexOf(parent) < catalog.indexOf(r), "parent first");
      }
      if (r.singletonId) assert.ok(r.singleton, `${r.name}: singletonId without singleton`);
      for (const c of r.columns) assert.ok(c.description.length > 0, `${r.table}.${c.name} described`);
    }
  });
});
