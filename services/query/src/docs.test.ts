import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { cleanup, repoRoot, tempDir } from "@tenantlens/testkit";
import type { GenerationSpec } from "./sandbox/hardened-instance.js";
import { writeGeneration } from "./testing/generation-fixture.js";
import { sampleTables } from "./testing/sample-tenant.js";
import { SandboxHarness, specOf } from "./testing/sandbox-harness.js";

/** Every ```sql block of docs/querying.md runs in the sandbox and returns rows on the sample tenant. */
describe("docs/querying.md examples", () => {
  let h: SandboxHarness;
  let spec: GenerationSpec;
  let blocks: string[];

  before(async () => {
    const root = tempDir("tl-query-docs");
    spec = specOf(
      await writeGeneration({
        root,
        workspaceId: "docs",
        generationId: 1,
        tables: sampleTables(),
        allCatalogTables: true,
      }),
    );
    h = await SandboxHarness.open(root);
    const md = await readFile(path.join(repoRoot, "docs", "querying.md"), "utf8");
    blocks = [...md.matchAll(/^```sql\n([\s\S]*?)^```$/gm)].map((m) => (m[1] ?? "").trim());
  });

  after(async () => {
    await h.close();
    await cleanup();
  });

  it("has examples to run", () => {
    assert.ok(blocks.length >= 12, `found ${blocks.length} sql blocks`);
  });

  it("runs every example and each returns rows", async () => {
    for (const sql of blocks) {
      const r = await h.run(spec, sql);
      assert.ok(r.ok, `${sql}\n→ ${!r.ok ? r.failure.message : ""}`);
      assert.ok(r.result.rowCount > 0, `no rows from:\n${sql}`);
    }
  });
});
