import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { AppError } from "@tenantlens/contracts";
import { type NatsServer, startNats, stopAll, waitFor } from "@tenantlens/testkit";
import type { Bus } from "./bus.js";
import { type DeadMessage, type MessageMeta, on } from "./consume.js";
import { testBus, testContracts } from "./testing.js";

let nats: NatsServer;
const buses: Bus[] = [];

before(async () => {
  nats = await startNats();
});
after(async () => {
  await Promise.all(buses.map((b) => b.drain().catch(() => {})));
  await stopAll();
});

async function setup(tag: string) {
  const c = testContracts(tag);
  const bus = await testBus(nats.client(), c);
  buses.push(bus);
  await bus.ensureStreams();
  return { c, bus };
}

function deferred<T = void>() {
  let resolve: (v: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("streams", () => {
  test("two concurrent ensureStreams create one stream with exactly the event subjects", async () => {
    const c = testContracts("streams");
    const [a, b] = await Promise.all([testBus(nats.client(), c), testBus(nats.client(), c)]);
    buses.push(a, b);
    await Promise.all([a.ensureStreams(), b.ensureStreams(), a.ensureStreams()]);
    const info = await a.jsm.streams.info(c.stream.name);
    assert.deepEqual(info.config.subjects, ["streams.thing.happened.*", "streams.thing.noted"]);
    assert.equal(info.config.storage, "file");
    assert.equal(info.config.retention, "limits");
    assert.equal(info.config.max_age, 3600 * 1e9);
    assert.equal(info.config.duplicate_window, 120 * 1e9);
    await b.ensureStreams();
    // A changed definition updates the stream in place.
    const changed = { ...c.stream, description: "changed", maxAgeSeconds: 7200 };
    await a.ensureStreams({ streams: { [c.stream.name]: changed } });
    const after = await a.jsm.streams.info(c.stream.name);
    assert.equal(after.config.description, "changed");
    assert.equal(after.config.max_age, 7200 * 1e9);
  });
});

describe("publish", () => {
  test("the same msgId twice stores one message and reports the duplicate", async () => {
    const { c, bus } = await setup("dedupe");
    const first = await bus.publish(c.Happened, { id: "m1", group: "g1", n: 1 });
    const second = await bus.publish(c.Happened, { id: "m1", group: "g1", n: 1 });
    assert.deepEqual(first, { seq: 1, duplicate: false });
    assert.equal(second.duplicate, true);
    const info = await bus.jsm.streams.info(c.stream.name);
    assert.equal(info.state.messages, 1);
    const stored = await bus.jsm.streams.getMessage(c.stream.name, { seq: 1 });
    assert.equal(stored?.subject, "dedupe.thing.happened.g1");
    assert.equal(stored?.header.get("Nats-Msg-Id"), "m1");
  });

  test("an invalid payload is refused with bad_request and nothing is stored", async () => {
    const { c, bus } = await setup("badpub");
    await assert.rejects(
      // @ts-expect-error n must be a number
      bus.publish(c.Happened, { id: "x", group: "g1", n: "one" }),
      (err: unknown) => err instanceof AppError && err.code === "bad_request" && /n: /.test(err.message),
    );
    assert.equal((await bus.jsm.streams.info(c.stream.name)).state.messages, 0);
  });

  test("publishMany pipelines and returns one ack per payload", async () => {
    const { c, bus } = await setup("many");
    const payloads = Array.from({ length: 300 }, (_, i) => ({ id: `p${i}`, group: "g", n: i }));
    const acks = await bus.publishMany(c.Happened, payloads, { concurrency: 64 });
    assert.equal(acks.length, 300);
    assert.equal(new Set(acks.map((a) => a.seq)).size, 300);
    assert.equal((await bus.jsm.streams.info(c.stream.name)).state.messages, 300);
  });

  test("a subject no stream captures is reported as unavailable", async () => {
    const c = testContracts("nostream");
    const bus = await testBus(nats.client(), c);
    buses.push(bus);
    await assert.rejects(
      bus.publish(c.Noted, { id: "1", text: "t" }),
      (err: unknown) => err instanceof AppError && err.code === "unavailable",
    );
  });
});

describe("consume", () => {
  test("bad messages are terminated and the consumer keeps going", async () => {
    const { c, bus } = await setup("badmsg");
    const seen: string[] = [];
    const consumer = await bus.consume({
      durable: "badmsg",
      stream: c.stream.name,
      handlers: [
        on(c.Happened, async (p) => {
          seen.push(p.id);
        }),
        on(c.Noted, async (p) => {
          seen.push(p.id);
        }),
      ],
    });
    const h = natsHeaders();
    h.set("Nats-Msg-Id", "raw1");
    await bus.js.publish("badmsg.thing.happened.g1", new TextEncoder().encode('{"id":"raw1","n":"NaN"}'), {
      headers: h,
    });
    await bus.js.publish("badmsg.thing.noted", new TextEncoder().encode("not json"));
    await bus.publish(c.Noted, { id: "good", text: "fine" });
    await waitFor(() => seen.includes("good"), { what: "the good message", timeoutMs: 10_000 });
    const info = await waitFor(
      async () => {
        const i = await consumer.info();
        return i.ack_floor.stream_seq === 3 && i.num_ack_pending === 0 ? i : undefined;
      },
      { what: "every message settled" },
    );
    assert.equal(info.num_pending, 0);
    assert.deepEqual(seen, ["good"]);
    await consumer.stop();
  });

  test("ordered: a failed message is redelivered before anything after it", async () => {
    const { c, bus } = await setup("ordered");
    await bus.publishMany(
      c.Happened,
      [1, 2, 3, 4, 5].map((n) => ({ id: `o${n}`, group: "g", n })),
      { concurrency: 1 },
    );
    const attempts: string[] = [];
    const done: number[] = [];
    const metas: MessageMeta[] = [];
    let failedOnce = false;
    const consumer = await bus.consume({
      durable: "store",
      stream: c.stream.name,
      ordered: true,
      handlers: [
        on(c.Happened, async (p, meta) => {
          attempts.push(`${p.n}#${meta.deliveryCount}`);
          if (p.n === 2 && !failedOnce) {
            failedOnce = true;
            throw new Error("transient failure");
          }
          metas.push(meta);
          done.push(p.n);
        }),
      ],
    });
    await waitFor(() => done.length === 5, { what: "five messages processed", timeoutMs: 15_000 });
    assert.deepEqual(done, [1, 2, 3, 4, 5]);
    assert.deepEqual(attempts, ["1#1", "2#1", "2#2", "3#1", "4#1", "5#1"]);
    assert.equal(metas[1]?.msgId, "o2");
    assert.equal(metas[1]?.subject, "ordered.thing.happened.g");
    assert.equal(metas[1]?.streamSeq, 2);
    const info = await consumer.info();
    assert.equal(info.config.max_ack_pending, 1);
    assert.equal(info.config.filter_subject ?? "", "ordered.thing.happened.*");
    await consumer.stop();
  });

  test("dead letters: a message failing on every delivery and an undecodable one are handed over, then acked", async () => {
    const { c, bus } = await setup("dead");
    const dead: DeadMessage[] = [];
    const done: number[] = [];
    let recordFails = 1;
    const consumer = await bus.consume({
      durable: "dead",
      stream: c.stream.name,
      ordered: true,
      handlers: [
        on(c.Happened, async (p) => {
          if (p.n === 2) throw new Error("always fails");
          done.push(p.n);
        }),
      ],
      deadLetter: {
        maxDeliveries: 2,
        handle: async (d) => {
          // The first recording fails: the message is held and recorded on the next try.
          if (d.meta.streamSeq === 3 && recordFails-- > 0) throw new Error("cannot record");
          dead.push(d);
        },
      },
    });
    await bus.publishMany(
      c.Happened,
      [1, 2].map((n) => ({ id: `d${n}`, group: "g", n })),
      { concurrency: 1 },
    );
    await bus.js.publish("dead.thing.happened.g", new TextEncoder().encode("not json"));
    await bus.publish(c.Happened, { id: "d4", group: "g", n: 4 });
    await waitFor(() => done.includes(4), { what: "the message after the dead ones", timeoutMs: 20_000 });
    assert.deepEqual(done, [1, 4]);
    assert.deepEqual(
      dead.map((d) => [d.meta.streamSeq, d.meta.deliveryCount]),
      [
        [2, 2],
        [3, 1],
      ],
    );
    assert.match(dead[0]?.reason ?? "", /failed on 2 deliveries; last error: always fails/);
    assert.deepEqual(dead[0]?.payload, { id: "d2", group: "g", n: 2 });
    assert.equal(dead[0]?.meta.msgId, "d2");
    assert.match(dead[1]?.reason ?? "", /^not JSON/);
    assert.equal(dead[1]?.body, "not json");
    const info = await waitFor(
      async () => {
        const i = await consumer.info();
        return i.ack_floor.stream_seq === 4 ? i : undefined;
      },
      { what: "every message acked" },
    );
    assert.equal(info.num_ack_pending, 0);
    await consumer.stop();
  });

  test("creating the same durable twice is idempotent; a changed filter is a clear error", async () => {
    const { c, bus } = await setup("durable");
    const handler = on(c.Noted, async () => {});
    const one = await bus.consume({ durable: "d", stream: c.stream.name, handlers: [handler] });
    await one.stop();
    const two = await bus.consume({
      durable: "d",
      stream: c.stream.name,
      handlers: [handler],
      maxAckPending: 10,
    });
    assert.equal((await two.info()).config.max_ack_pending, 10);
    await two.stop();
    await assert.rejects(
      bus.consume({ durable: "d", stream: c.stream.name, handlers: [on(c.Happened, async () => {})] }),
      /cannot change a filter/,
    );
  });

  test("drain waits for the in-flight handler and acks it", async () => {
    const c = testContracts("drain");
    const bus = await testBus(nats.client(), c);
    await bus.ensureStreams();
    const started = deferred();
    let finished = false;
    await bus.consume({
      durable: "drain",
      stream: c.stream.name,
      handlers: [
        on(c.Noted, async () => {
          started.resolve();
          await new Promise((r) => setTimeout(r, 300));
          finished = true;
        }),
      ],
    });
    await bus.publish(c.Noted, { id: "slow", text: "x" });
    await started.promise;
    await bus.drain();
    assert.equal(finished, true);
    assert.equal(bus.status().closed, true);
    const observer = await testBus(nats.client(), c);
    buses.push(observer);
    const info = await observer.jsm.consumers.info(c.stream.name, "drain");
    assert.equal(info.ack_floor.stream_seq, 1);
    assert.equal(info.num_ack_pending, 0);
  });
});

describe("request/serve", () => {
  test("happy path, AppError codes, internal errors, bad requests", async () => {
    const { c, bus } = await setup("rpc");
    const client = await testBus(nats.client(), c);
    buses.push(client);
    bus.serve(c.Echo, async (req, meta) => {
      assert.equal(meta.subject, "rpc.echo.get");
      if (req.mode === "not_found") throw new AppError("not_found", `no ${req.text}`);
      if (req.mode === "crash") throw new Error("secret internals");
      // A handler returning the wrong shape (possible through casts/any) is caught by the response schema.
      if (req.mode === "invalid") return { txt: 1 } as unknown as { text: string };
      return { text: req.text.toUpperCase() };
    });
    await bus.nc.flush();
    assert.deepEqual(await client.request(c.Echo, { text: "hi", mode: "ok" }), { text: "HI" });
    await assert.rejects(client.request(c.Echo, { text: "x", mode: "not_found" }), {
      name: "AppError",
      code: "not_found",
      message: "no x",
    });
    await assert.rejects(client.request(c.Echo, { text: "x", mode: "crash" }), (err: unknown) => {
      return err instanceof AppError && err.code === "internal" && !err.message.includes("secret");
    });
    await assert.rejects(client.request(c.Echo, { text: "x", mode: "invalid" }), { code: "internal" });
    // A client that skips validation still gets bad_request from the server side.
    const raw = await client.nc.request("rpc.echo.get", new TextEncoder().encode('{"text":1}'), {
      timeout: 5_000,
    });
    assert.equal(raw.headers?.get("Tl-Error-Code"), "bad_request");
    const body = raw.json<{ code: string; message: string }>();
    assert.equal(body.code, "bad_request");
    assert.match(body.message, /text: .*; mode: /);
    // And the client refuses to send an invalid request at all.
    // @ts-expect-error mode is required
    await assert.rejects(client.request(c.Echo, { text: "x" }), { code: "bad_request" });
  });

  test("a bytes field travels raw both ways: any byte (newlines, invalid UTF-8) and a JSON head", async () => {
    const { c, bus } = await setup("rpcbytes");
    bus.serve(c.Reverse, async (req) => ({
      label: `${req.label} reversed`,
      length: req.data.length,
      data: Uint8Array.from(req.data).reverse(),
    }));
    await bus.nc.flush();
    const data = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
    data.set([0x0a, 0xff, 0xfe, 0x0a], 10);
    const res = await bus.request(c.Reverse, { label: "a\nb é", data });
    assert.equal(res.label, "a\nb é reversed");
    assert.equal(res.length, data.length);
    assert.deepEqual(res.data, Uint8Array.from(data).reverse());
    // On the wire: the JSON of the other fields, a newline, the bytes; a header names the field.
    const raw = await bus.nc.request("rpcbytes.reverse.get", new TextEncoder().encode('{"label":"x"}\nab'), {
      timeout: 5_000,
      headers: natsHeaders(),
    });
    assert.equal(raw.headers?.get("Tl-Error-Code"), "bad_request", "no header: the body is read as JSON");
    const h = natsHeaders();
    h.set("Tl-Bytes-Field", "data");
    const framed = await bus.nc.request(
      "rpcbytes.reverse.get",
      new TextEncoder().encode('{"label":"x"}\nab'),
      {
        timeout: 5_000,
        headers: h,
      },
    );
    assert.equal(framed.headers?.get("Tl-Bytes-Field"), "data");
    assert.equal(new TextDecoder().decode(framed.data), '{"label":"x reversed","length":2}\nba');
    // A field name that is not a plain name is refused, not assigned.
    h.set("Tl-Bytes-Field", "__proto__");
    const bad = await bus.nc.request("rpcbytes.reverse.get", new TextEncoder().encode('{"label":"x"}\nab'), {
      timeout: 5_000,
      headers: h,
    });
    assert.equal(bad.headers?.get("Tl-Error-Code"), "bad_request");
  });

  test("no responders is unavailable; a slow service is a timeout", async () => {
    const { c, bus } = await setup("rpc2");
    await assert.rejects(bus.request(c.Echo, { text: "x", mode: "ok" }), {
      code: "unavailable",
      message: /query is not running/,
    });
    bus.serve(c.Echo, async (req) => {
      await new Promise((r) => setTimeout(r, 1_000));
      return { text: req.text };
    });
    await bus.nc.flush();
    await assert.rejects(bus.request(c.Echo, { text: "x", mode: "slow" }, { timeoutMs: 100 }), {
      code: "timeout",
    });
  });
});

describe("broadcast subscribe", () => {
  test("every subscriber gets live events, invalid ones are ignored", async () => {
    const { c, bus } = await setup("bcast");
    const got: string[] = [];
    const sub = bus.subscribe(c.Happened, async (p, meta) => {
      got.push(`${p.id}@${meta.subject}`);
    });
    await bus.nc.flush();
    bus.nc.publish("bcast.thing.happened.g", "{bad");
    await bus.publish(c.Happened, { id: "b1", group: "g", n: 1 });
    await waitFor(() => got.length === 1, { what: "the event" });
    assert.deepEqual(got, ["b1@bcast.thing.happened.g"]);
    await sub.unsubscribe();
  });
});

describe("kv and blobs", () => {
  test("kv buckets are created once and work", async () => {
    const { bus } = await setup("kv");
    const kv = await bus.kv("tl_test_kv", { history: 3 });
    await kv.put("a", "1");
    await kv.put("a", "2");
    assert.equal((await kv.get("a"))?.string(), "2");
    const again = await bus.kv("tl_test_kv");
    assert.equal(again, kv);
    assert.equal((await kv.status()).history, 3);
  });

  test("list names the live keys matching a filter, never the deleted or purged ones", async () => {
    const { bus } = await setup("kv-list");
    const kv = await bus.kv("tl_test_kv_list");
    assert.deepEqual(await kv.list(), []);
    for (const k of ["a.1", "a.2", "a.3", "b.1"]) await kv.put(k, "v");
    await kv.delete("a.2");
    await kv.purge("a.3");
    assert.deepEqual((await kv.list()).sort(), ["a.1", "b.1"]);
    assert.deepEqual(await kv.list("a.*"), ["a.1"]);
    assert.deepEqual(await kv.list("c.>"), []);
  });

  test("list answers while other clients list and write the bucket (nats.js's keys() could wait for good)", async () => {
    const { bus } = await setup("kv-list-busy");
    const readers = [bus, await testBus(nats.client(), testContracts("kv-list-busy"))];
    buses.push(readers[1] as Bus);
    const kv = await bus.kv("tl_test_kv_busy");
    await kv.put("schedule", "x");
    // The poller's pattern: entries written and purged while two replicas list the bucket.
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        await kv.put(`poll.${n}`, "running");
        await kv.put("schedule", String(n));
        await kv.purge(`poll.${n}`);
      }
    })();
    const lists = await Promise.all(
      readers.map(async (b) => {
        const mine = await b.kv("tl_test_kv_busy");
        let seen = 0;
        for (let i = 0; i < 100; i++) if ((await mine.list()).includes("schedule")) seen += 1;
        return seen;
      }),
    );
    writing = false;
    await writer;
    assert.deepEqual(lists, [100, 100]);
  });

  test("blobs larger than max_payload round-trip; a missing one is null", async () => {
    const { bus } = await setup("blob");
    const bytes = new Uint8Array(2.5 * 1024 * 1024).map((_, i) => i % 251);
    await bus.putBlob("tl_test_blobs", "page/1", bytes, { ttlSeconds: 3600 });
    const back = await bus.getBlob("tl_test_blobs", "page/1");
    assert.ok(back);
    assert.equal(back.length, bytes.length);
    assert.deepEqual(back.subarray(0, 1000), bytes.subarray(0, 1000));
    assert.equal(await bus.getBlob("tl_test_blobs", "nope"), null);
  });
});
