import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Integration, PollStart } from "@tenantlens/contracts";
import type { SimulatorTenant } from "@tenantlens/entra-sim";
import { withWarehouse } from "@tenantlens/store/testing";
import { waitFor } from "@tenantlens/testkit";
import { type CollectionStack, firstPoll, startCollectionStack } from "./testing/collection-stack.js";
import { simLister } from "./testing/expected-counts.js";

/**
 * Audit logs and sign-ins read by time window through the whole collection path (simulator, auth,
 * poller, store as processes): windows that chain without a gap across polls and a poller restart,
 * a late arrival collected once, every entry stored once, and no history table for logs.
 */
const OVERLAP_S = 60;
const LOGS = [
  { name: "directoryAudits", table: "azuread_directory_audit", field: "activityDateTime" },
  { name: "signIns", table: "azuread_sign_in", field: "createdDateTime" },
] as const;

interface Window {
  from: number;
  to: number;
}

describe("log cursors", { timeout: 600_000 }, () => {
  let stack: CollectionStack;
  let tenant: SimulatorTenant;
  let integration: Integration;

  before(async () => {
    stack = await startCollectionStack(
      { seed: 11, tenants: [{ users: 40, groups: 6, applications: 4 }] },
      { LOG_OVERLAP_SECONDS: String(OVERLAP_S), PAGE_SIZE: "50" },
    );
    tenant = stack.sim.tenants[0] as SimulatorTenant;
  });
  after(() => stack?.stop());

  const logPoll = async () => {
    const { pollId } = await stack.bus.request(
      PollStart,
      {
        workspaceId: "default",
        integrationId: integration.id,
        resources: LOGS.map((l) => l.name),
        reason: "manual",
      },
      { timeoutMs: 30_000 },
    );
    const done = await stack.poll(pollId, integration.id, (p) => p.committedAt !== null, 180_000);
    assert.equal(done.status, "succeeded", done.error ?? "");
    return done;
  };

  /** The windows the poller asked Graph for, per log, in order (first pages only). */
  const windows = async (): Promise<Record<string, Window[]>> => {
    const { requests } = await stack.sim.control.requests(tenant.tenantId);
    const out: Record<string, Window[]> = {};
    for (const l of LOGS) {
      out[l.name] = requests
        .filter((r) => r.path === `/v1.0/auditlogs/${l.name.toLowerCase()}` && r.status === 200)
        .map((r) => new URLSearchParams(r.query))
        .filter((q) => !q.has("$skiptoken"))
        .map((q) => {
          const m = new RegExp(`^${l.field} ge (\\S+) and ${l.field} lt (\\S+)$`).exec(
            q.get("$filter") ?? "",
          );
          assert.ok(m, `a time window filter: ${q.get("$filter")}`);
          assert.equal(q.get("$orderby"), `${l.field} asc`);
          return { from: Date.parse(m[1] as string), to: Date.parse(m[2] as string) };
        });
    }
    return out;
  };

  it("chains windows across polls and a poller restart, collects a late entry once and stores every entry once", async () => {
    integration = await stack.createIntegration(tenant, "Logs");
    const first = await stack.poll(
      await firstPoll(stack, integration.id),
      integration.id,
      (p) => p.committedAt !== null,
      300_000,
    );
    assert.equal(first.status, "succeeded", first.error ?? "");

    // New entries, then a second round.
    for (const l of LOGS) await stack.sim.control.addLogEntries(tenant.tenantId, l.name, { count: 3 });
    await logPoll();
    const afterSecond = await windows();
    // A late arrival: it happened before the second window's end, Graph delivers it only now.
    const late: Record<string, string> = {};
    for (const l of LOGS) {
      const end = ((afterSecond[l.name] ?? []).at(-1) as Window).to;
      const { entries } = await stack.sim.control.addLogEntries(tenant.tenantId, l.name, {
        at: new Date(end - (OVERLAP_S / 3) * 1000).toISOString(),
      });
      late[l.name] = String(entries[0]?.id);
      await stack.sim.control.addLogEntries(tenant.tenantId, l.name, { count: 2 });
    }
    // The cursor outlives the poller.
    await stack.services.get("poller")?.stop();
    await stack.start("poller");
    await logPoll();
    await logPoll();

    const all = await windows();
    for (const l of LOGS) {
      const ws = all[l.name] as Window[];
      assert.equal(ws.length, 4, `${l.name}: one window per poll`);
      for (let k = 1; k < ws.length; k++) {
        const prev = ws[k - 1] as Window;
        const cur = ws[k] as Window;
        assert.ok(cur.from <= prev.to, `${l.name}: no gap between window ${k - 1} and ${k}`);
        assert.equal(
          cur.from,
          Math.max(prev.from, prev.to - OVERLAP_S * 1000),
          `${l.name}: overlap allowance`,
        );
        assert.ok(cur.to > prev.to, `${l.name}: windows move on`);
      }
    }

    // Every entry of the span, once, in the warehouse; the late ones among them.
    const list = simLister(stack.sim, tenant);
    const expected: Record<string, string[]> = {};
    for (const l of LOGS) {
      const ws = all[l.name] as Window[];
      const span = `${l.field} ge ${new Date((ws[0] as Window).from).toISOString()} and ${l.field} lt ${new Date((ws.at(-1) as Window).to).toISOString()}`;
      expected[l.name] = (await list(`v1.0/auditLogs/${l.name}?$filter=${encodeURIComponent(span)}`)).map(
        (o) => String(o.id),
      );
      assert.ok(
        expected[l.name]?.includes(late[l.name] as string),
        `${l.name}: the late entry is in the span`,
      );
    }
    await waitFor(async () => (await stack.polls(integration.id))[0]?.generationId != null, {
      what: "the last poll's generation",
      timeoutMs: 120_000,
      intervalMs: 200,
    });
    const code = await stack.services.get("store")?.stop();
    assert.ok(code === 0 || code === null, `store exit code ${code}`);
    await withWarehouse(stack.warehouseFile, async (rows) => {
      for (const l of LOGS) {
        const ids = (await rows(`SELECT id FROM ${l.table} WHERE integration_id = '${integration.id}'`)).map(
          (r) => String(r.id),
        );
        assert.equal(new Set(ids).size, ids.length, `${l.table}: no entry twice`);
        assert.deepEqual(
          [...ids].sort(),
          [...(expected[l.name] ?? [])].sort(),
          `${l.table}: no entry missing`,
        );
      }
      const history = await rows(
        "SELECT table_name FROM information_schema.tables WHERE table_name IN ('azuread_directory_audit_changes', 'azuread_sign_in_changes')",
      );
      assert.deepEqual(history, [], "no history table for logs");
    });
  });
});
