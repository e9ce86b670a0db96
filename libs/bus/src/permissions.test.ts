import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import {
  ApiKeysBucket,
  AppError,
  allDeclarations,
  defineRequest,
  GENERATION_LEASES,
  GenerationLeasesBucket,
  QueryExecute,
  QueryResultsBucket,
  type RequestDef,
  SERVICES,
  type ServiceName,
  serviceAccess,
} from "@tenantlens/contracts";
import { type NatsServer, startNats } from "@tenantlens/testkit";
import { z } from "zod";
import { type Bus, connectBus } from "./bus.js";
import { busPermissions, natsAuthorization } from "./permissions.js";
import { testLogger } from "./testing.js";

/** A probe request on `def`'s subject whose schemas accept anything (the permissions only see subjects). */
function probe(def: RequestDef): RequestDef {
  return defineRequest({
    subject: def.subject,
    service: def.service,
    callers: def.callers,
    errors: [],
    request: z.object({ probe: z.string() }),
    response: z.object({ probe: z.string() }),
  });
}

function connectAs(nats: NatsServer, identity: ServiceName | "test", service: ServiceName = "gateway") {
  return connectBus({
    ...nats.client(identity),
    service: identity === "test" ? service : identity,
    logger: testLogger(),
    maxReconnectAttempts: 0,
  });
}

describe("derived permissions", () => {
  test("are read off the declarations: the poller may not ask for SQL nor touch API keys", () => {
    const poller = busPermissions("poller");
    assert.ok(!poller.publish.includes(QueryExecute.subject));
    assert.ok(!poller.publish.some((s) => s.includes(ApiKeysBucket.name)));
    assert.ok(!poller.subscribe.some((s) => s.startsWith("_INBOX.") && s !== "_INBOX.poller.>"));
    assert.ok(busPermissions("gateway").publish.includes(`$KV.${ApiKeysBucket.name}.>`));
    assert.ok(busPermissions("rules").publish.includes(QueryExecute.subject));
    assert.ok(busPermissions("query").subscribe.includes(QueryExecute.subject));
    // No service may publish or subscribe with a wildcard broader than its own subjects.
    for (const service of SERVICES) {
      const p = busPermissions(service);
      for (const s of [...p.publish, ...p.subscribe])
        assert.notEqual(s.split(".")[0], ">", `${service}: ${s}`);
    }
  });

  test("every declared request has a responder and its callers may send it", () => {
    for (const r of allDeclarations.requests) {
      assert.ok(busPermissions(r.service).subscribe.includes(r.subject), r.subject);
      for (const c of r.callers)
        assert.ok(busPermissions(c).publish.includes(r.subject), `${c} → ${r.subject}`);
    }
  });

  test("render as a nats-server authorization block with one user per identity", () => {
    const text = natsAuthorization([
      { name: "poller", nkey: "UPOLLER", permissions: busPermissions("poller") },
      { name: "operator", nkey: "UOPERATOR" },
    ]);
    assert.match(text, /^authorization \{\n {2}users = \[/);
    assert.match(text, /nkey: "UPOLLER", permissions: \{/);
    assert.match(text, /allow_responses: \{ max: 1, expires: "1h" \}/);
    assert.match(text, /\{ nkey: "UOPERATOR" \}/);
  });
});

describe("a locked bus (real nats-server)", () => {
  let nats: NatsServer;
  let admin: Bus;
  const opened: Bus[] = [];

  before(async () => {
    nats = await startNats();
    admin = await connectAs(nats, "test", "query");
  });
  after(async () => {
    for (const c of opened) await c.drain().catch(() => {});
    await admin?.drain();
    await nats?.stop();
  });

  test("refuses an anonymous client and a wrong key", async () => {
    await assert.rejects(
      connect({ servers: nats.url, maxReconnectAttempts: 0, reconnect: false }),
      (err: Error) =>
        /authorization violation/i.test(`${err.message} ${String((err as { cause?: unknown }).cause ?? "")}`),
    );
    const other = await startNats();
    try {
      // A credential of another installation is just as unknown.
      await assert.rejects(
        connectBus({
          ...other.client("poller"),
          url: nats.url,
          service: "poller",
          logger: testLogger(),
          maxReconnectAttempts: 0,
        }),
        /authorization violation/i,
      );
    } finally {
      await other.stop();
    }
  });

  test("the poller's credential cannot request query.sql.execute nor write the API-key bucket", async () => {
    // The query service's subject is answered (by the unrestricted test client standing in for it).
    const responder = admin.nc.subscribe(QueryExecute.subject, { queue: "probe" });
    void (async () => {
      for await (const m of responder) m.respond(JSON.stringify({ probe: "answered" }));
    })();
    const gatewayOk = await connectAs(nats, "gateway");
    opened.push(gatewayOk);
    await admin.flush();
    assert.deepEqual(await gatewayOk.request(probe(QueryExecute), { probe: "x" }), { probe: "answered" });

    const poller = await connectAs(nats, "poller");
    opened.push(poller);
    await assert.rejects(poller.request(probe(QueryExecute), { probe: "x" }), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.match(err.message, /may not send query\.sql\.execute/);
      return true;
    });

    const keys = await admin.kv(ApiKeysBucket.name);
    await keys.put("k1", "original");
    await assert.rejects(poller.kv(ApiKeysBucket.name), /permission/i);
    // Even a raw publish to the bucket's subject is dropped by the server.
    poller.nc.publish(`$KV.${ApiKeysBucket.name}.k1`, "overwritten");
    poller.nc.publish(`$KV.${ApiKeysBucket.name}.k2`, "planted");
    await poller.flush();
    assert.equal((await keys.get("k1"))?.string(), "original");
    assert.equal(await keys.get("k2"), null);
    // … while the gateway, the bucket's writer, can.
    await (await gatewayOk.kv(ApiKeysBucket.name)).put("k3", "mine");
    assert.equal((await keys.get("k3"))?.string(), "mine");
    responder.unsubscribe();
  });

  test("buckets: writers write, readers only read (results object store, generation leases)", async () => {
    const query = await connectAs(nats, "query");
    const gateway = await connectAs(nats, "gateway");
    const store = await connectAs(nats, "store");
    opened.push(query, gateway, store);
    const big = new Uint8Array(300_000).fill(7); // several chunks
    await query.putBlob(QueryResultsBucket.name, "r1", big, { ttlSeconds: 60 });
    assert.deepEqual(await gateway.getBlob(QueryResultsBucket.name, "r1"), big);
    await assert.rejects(gateway.putBlob(QueryResultsBucket.name, "r2", big), /permission|timeout/i);
    assert.equal(await query.getBlob(QueryResultsBucket.name, "r2"), null);

    const leases = await query.kv(GenerationLeasesBucket.name, { ttlSeconds: GENERATION_LEASES.ttlSeconds });
    await leases.put("default.reader", "3");
    const seen = await store.kv(GenerationLeasesBucket.name, { ttlSeconds: GENERATION_LEASES.ttlSeconds });
    assert.equal((await seen.get("default.reader"))?.string(), "3");
    assert.deepEqual(await seen.list(), ["default.reader"]);
    await assert.rejects(seen.put("default.reader", "1"), /permission|timeout/i);
    assert.equal((await leases.get("default.reader"))?.string(), "3");
  });

  test("no service can read another's inbox (replies carry tokens and results)", async () => {
    const notifier = await connectAs(nats, "notifier");
    opened.push(notifier);
    const sub = notifier.nc.subscribe("_INBOX.poller.>");
    const ended = (async () => {
      try {
        for await (const _ of sub) return "message";
        return "closed";
      } catch (err) {
        return (err as Error).name;
      }
    })();
    await notifier.flush().catch(() => {});
    assert.equal(await ended, "PermissionViolationError");
  });

  test("each service's credential can send what it calls and answer what it serves", async () => {
    for (const service of SERVICES) {
      const access = serviceAccess(service);
      const bus = await connectAs(nats, service);
      opened.push(bus);
      for (const r of access.serves) bus.serve(probe(r), async () => ({ probe: service }));
      await bus.flush();
      for (const r of access.serves)
        assert.deepEqual(await admin.request(probe(r), { probe: "x" }), { probe: service }, r.subject);
      await bus.drain();
    }
    const callers = new Map<ServiceName, Bus>();
    for (const r of allDeclarations.requests) {
      const sub = admin.nc.subscribe(r.subject, { queue: `probe-${r.subject}` });
      try {
        void (async () => {
          for await (const m of sub) m.respond(JSON.stringify({ probe: "ok" }));
        })();
        await admin.flush();
        for (const c of r.callers) {
          let bus = callers.get(c);
          if (!bus) {
            bus = await connectAs(nats, c);
            callers.set(c, bus);
            opened.push(bus);
          }
          assert.deepEqual(
            await bus.request(probe(r), { probe: "x" }),
            { probe: "ok" },
            `${c} → ${r.subject}`,
          );
        }
      } finally {
        sub.unsubscribe();
      }
    }
  });
});
