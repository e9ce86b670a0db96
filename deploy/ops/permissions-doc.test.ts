import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { catalog } from "@tenantlens/graph";
import {
  applicationPermissions,
  normaliseTables,
  OPERATIONS_DOC,
  renderPermissionSection,
  withPermissionSection,
} from "./permissions-doc.js";

describe("docs/operations.md: the Entra app's permissions", () => {
  const doc = readFileSync(OPERATIONS_DOC, "utf8");

  it("lists exactly what the Graph catalog needs (run npm run docs:permissions after changing it)", () => {
    assert.equal(
      normaliseTables(doc),
      normaliseTables(withPermissionSection(doc)),
      "the generated block is out of date",
    );
  });

  it("names every table with its least-privileged permission, and each permission once", () => {
    const section = renderPermissionSection();
    for (const r of catalog)
      assert.ok(section.includes(`| \`${r.table}\` | \`${r.permissions[0]}\` |`), r.table);
    const perms = applicationPermissions();
    assert.equal(new Set(perms).size, perms.length);
    assert.ok(perms.includes("User.Read.All") || perms.includes("Directory.Read.All"));
    // A catalog change shows: one more resource means one more row.
    const more = renderPermissionSection([
      ...catalog,
      { ...catalog[0]!, table: "azuread_zz_new", permissions: ["Zz.Read.All"] },
    ]);
    assert.notEqual(more, renderPermissionSection());
    assert.ok(more.includes("`Zz.Read.All`"));
  });
});
