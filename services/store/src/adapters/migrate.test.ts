import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { catalog, type ResourceDef, users } from "@tenantlens/graph";
import { msgRef, newPollId, newRef, page, tempDir, userObject } from "../testing/fixtures.js";
import { Warehouse } from "../warehouse.js";

/** The catalog of a newer release: users gained one Graph property. */
function catalogWithNewUserProperty(): ResourceDef[] {
  const extended: ResourceDef = {
    ...users,
    columns: [
      ...users.columns,
      { name: "preferred_language", property: "preferredLanguage", type: "VARCHAR", description: "Language" },
    ],
  };
  return catalog.map((r) => (r.name === "users" ? extended : r));
}

describe("migrations", () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups) await c();
  });

  it("creates every table once and is a no-op on a second start", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, "w.duckdb");
    const first = await Warehouse.open({ file, catalog });
    assert.ok(first.migration.steps > 0);
    const tables = await first.db.read().all(`SELECT table_name FROM duckdb_tables() ORDER BY 1`);
    const names = tables.map((r) => r.table_name);
    for (const expected of [
      "azuread_user",
      "azuread_user_changes",
      "azuread_group",
      "integrations",
      "polls",
      "query_history",
    ]) {
      assert.ok(names.includes(expected), `${expected} exists`);
    }
    await first.close();
    const second = await Warehouse.open({ file, catalog });
    assert.equal(second.migration.steps, 0);
    assert.equal(second.migration.version, first.migration.version);
    await second.close();
  });

  it("adds a column for a new catalog property without breaking old rows or old queries", async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, "w.duckdb");
    const ref = newRef();

    const v1 = await Warehouse.open({ file, catalog });
    const p1 = newPollId();
    // Graph already returned the property; the old catalog simply had no column for it.
    await v1.pageCollected(
      page(ref, p1, {
        objects: [userObject(1, { preferredLanguage: "fr-FR" }), userObject(2)],
        at: "2025-01-01T00:00:00Z",
      }),
      msgRef(`${p1}.users.0.0`),
    );
    await v1.close();

    const v2 = await Warehouse.open({ file, catalog: catalogWithNewUserProperty() });
    assert.equal(v2.migration.version, 2);
    assert.deepEqual(v2.migration.conflicts, []);
    const read = v2.db.read();
    const old = await read.all(`SELECT display_name FROM azuread_user ORDER BY display_name`);
    assert.deepEqual(
      old.map((r) => r.display_name),
      ["User 1", "User 2"],
    );
    const backfilled = await read.all(`SELECT id, preferred_language FROM azuread_user ORDER BY id`);
    assert.deepEqual(
      backfilled.map((r) => r.preferred_language),
      ["fr-FR", null],
    );

    const p2 = newPollId();
    await v2.pageCollected(
      page(ref, p2, { objects: [userObject(3, { preferredLanguage: "de-DE" })], at: "2025-01-02T00:00:00Z" }),
      msgRef(`${p2}.users.0.0`),
    );
    const fresh = await read.all(`SELECT preferred_language FROM azuread_user WHERE id = $id`, {
      id: userObject(3).id as string,
    });
    assert.equal(fresh[0]?.preferred_language, "de-DE");
    const bookkept = await read.all(
      `SELECT column_name, schema_version FROM _tl_columns WHERE table_name = 'azuread_user' AND column_name = 'preferred_language'`,
    );
    assert.deepEqual(bookkept, [{ column_name: "preferred_language", schema_version: "2" }]);
    await v2.close();

    // Going back to the older catalog keeps the column (nothing is ever dropped).
    const v3 = await Warehouse.open({ file, catalog });
    assert.equal(v3.migration.steps, 0);
    const still = await v3.db.read().all(`SELECT count(preferred_language) AS n FROM azuread_user`);
    assert.equal(still[0]?.n, "2");
    await v3.close();
  });
});
