import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { catalog } from "@tenantlens/graph";
import { createTableSql, planMigration } from "./migration-plan.js";
import { warehouseSchema } from "./schema.js";

describe("planMigration", () => {
  const schema = warehouseSchema(catalog);
  const users = schema.all.find((t) => t.name === "azuread_user");
  assert.ok(users);

  it("creates missing tables with analyst columns first, internal columns last", () => {
    const plan = planMigration([users], new Map());
    assert.deepEqual(
      plan.steps.map((s) => s.kind),
      ["create_table", "create_index"],
    );
    assert.equal(plan.steps[1]?.sql, 'CREATE INDEX "azuread_user_id_idx" ON "azuread_user" ("id")');
    const sql = createTableSql(users);
    assert.match(
      sql,
      /^CREATE TABLE "azuread_user" \("integration_id" VARCHAR, "tenant_id" VARCHAR, "id" VARCHAR, /,
    );
    assert.match(
      sql,
      /"_last_seen_at" TIMESTAMPTZ, "_tl_workspace_id" VARCHAR, "_tl_hash" VARCHAR, "_tl_poll_id" VARCHAR\)$/,
    );
  });

  it("adds and backfills a missing property column, reports type conflicts, never drops", () => {
    const existing = new Map(
      users.columns
        .concat(users.internal)
        .filter((c) => c.name !== "job_title")
        .map((c) => [
          c.name,
          c.name === "account_enabled"
            ? "VARCHAR"
            : c.type === "TIMESTAMPTZ"
              ? "TIMESTAMP WITH TIME ZONE"
              : c.type,
        ]),
    );
    existing.set("legacy_column", "VARCHAR");
    const plan = planMigration(
      [users],
      new Map([["azuread_user", existing]]),
      new Set(["azuread_user_id_idx"]),
    );
    assert.deepEqual(
      plan.steps.map((s) => [s.kind, s.column]),
      [
        ["add_column", "job_title"],
        ["backfill", "job_title"],
      ],
    );
    assert.match(
      plan.steps[1]?.sql ?? "",
      /json_transform\("_raw", '\{"jobTitle":"VARCHAR"\}'\)\."jobTitle"/,
    );
    assert.deepEqual(plan.conflicts, ["azuread_user.account_enabled is VARCHAR, declared BOOLEAN"]);
  });
});
