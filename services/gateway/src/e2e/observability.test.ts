import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { startSimulator } from "@tenantlens/entra-sim";
import { cleanup, freePort, waitFor, withServiceLogs } from "@tenantlens/testkit";
import { api, SERVICE_ORDER, type System, startSystem } from "./system.js";

/**
 * Issue 17 points 1–3: with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a real OTLP/HTTP receiver (JSON
 * protocol) in this process, a poll and a query each make one trace across the gateway, NATS and
 * the services; every service serves Prometheus metrics, /livez and /readyz on its own port; the
 * gateway's /healthz summarises the heartbeats; and every service stops cleanly on SIGTERM.
 */

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttr {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttr[];
}
interface Span {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attrs: Record<string, string | number | boolean | undefined>;
}

/** SpanKind in OTLP: 2 server, 3 client, 4 producer, 5 consumer. */
const KIND = { server: 2, client: 3, producer: 4, consumer: 5 } as const;

function attrs(list: OtlpAttr[] | undefined): Span["attrs"] {
  const out: Span["attrs"] = {};
  for (const a of list ?? []) {
    const v = a.value;
    out[a.key] =
      v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue));
  }
  return out;
}

/** A real OTLP/HTTP receiver: decodes the JSON export requests the services send to /v1/traces. */
async function startOtlpReceiver(): Promise<{
  url: string;
  spans: Span[];
  requests: number;
  close(): Promise<void>;
}> {
  const state = { spans: [] as Span[], requests: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      state.requests += 1;
      if (req.url === "/v1/traces") {
        assert.match(String(req.headers["content-type"]), /application\/json/);
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          resourceSpans?: {
            resource?: { attributes?: OtlpAttr[] };
            scopeSpans?: { spans?: OtlpSpan[] }[];
          }[];
        };
        for (const rs of body.resourceSpans ?? []) {
          const service = String(attrs(rs.resource?.attributes)["service.name"]);
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              state.spans.push({
                service,
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? "",
                name: s.name,
                kind: s.kind,
                attrs: attrs(s.attributes),
              });
            }
          }
        }
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: state.spans,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** Prometheus text → series name{labels} → value. */
function parseMetrics(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

interface Health {
  status: string;
  nats: string;
  lastGenerationAgeSeconds: number | null;
  services: Record<
    string,
    {
      status: string;
      instances: number;
      ready: number;
      lastHeartbeatAgeSeconds: number | null;
      consumers: { stream: string; durable: string; pending: number; ackPending: number }[];
    }
  >;
}

const USERS = 400;

describe("observability: traces, metrics, health, graceful shutdown", { timeout: 600_000 }, () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let sys: System;
  const metricsPorts: Record<string, number> = {};
  let integrationId = "";
  let pollId = "";
  let queryTraceId = "";

  before(async () => {
    sim = await startSimulator({ seed: 17, tenants: [{ users: USERS }] });
    otlp = await startOtlpReceiver();
    for (const name of SERVICE_ORDER) metricsPorts[name] = await freePort();
    sys = await withServiceLogs(() =>
      startSystem(
        sim,
        {
          POLL_INTERVAL_SECONDS: "0",
          POLL_RESOURCES: "users,groups",
          PAGE_SIZE: "100",
          TL_HEARTBEAT_SECONDS: "1",
          OTEL_SDK_DISABLED: "false",
          OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_METRICS_EXPORTER: "none",
          OTEL_BSP_SCHEDULE_DELAY: "200",
        },
        {
          serviceEnv: Object.fromEntries(
            SERVICE_ORDER.map((n) => [n, { TL_METRICS_PORT: String(metricsPorts[n]) }]),
          ),
        },
      ),
    );
  });

  after(async () => {
    await sys?.stop();
    await otlp?.close();
    await sim?.stop();
    await cleanup();
  });

  const traceOf = (traceId: string) => otlp.spans.filter((s) => s.traceId === traceId);
  const servicesIn = (spans: Span[]) => new Set(spans.map((s) => s.service));

  it("one trace follows a poll from the gateway through the poller to the store", () =>
    withServiceLogs(async () => {
      const tenant = sim.tenants[0]!;
      const created = await api<{ id: string }>(sys, "POST", "/api/integrations", {
        body: {
          name: "Traced tenant",
          tenantId: tenant.tenantId,
          auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      integrationId = created.body.id;
      const poll = await api<{ pollId: string }>(sys, "POST", `/api/integrations/${integrationId}/polls`, {
        body: {},
      });
      assert.equal(poll.status, 202, JSON.stringify(poll.body));
      pollId = poll.body.pollId;
      await waitFor(
        async () => {
          const res = await api<{ lastPoll: { pollId: string; status: string } | null }>(
            sys,
            "GET",
            `/api/integrations/${integrationId}`,
          );
          const p = res.body.lastPoll;
          if (p?.pollId === pollId && p.status === "failed") throw new Error(`poll ${pollId} failed`);
          return p?.pollId === pollId && p.status === "succeeded";
        },
        { timeoutMs: 180_000, intervalMs: 250, what: `poll ${pollId} to be committed` },
      );

      // The poll's reads carry its id; their trace must hold the gateway's request and the store's work.
      const trace = await waitFor(
        () => {
          const read = otlp.spans.find(
            (s) => s.attrs["tenantlens.poll.id"] === pollId && s.name.startsWith("read "),
          );
          if (!read) return undefined;
          const spans = traceOf(read.traceId);
          const store = spans.filter(
            (s) => s.service === "store" && s.name === "process poller.page.collected",
          );
          const completed = spans.some(
            (s) => s.service === "store" && s.name === "process poller.poll.completed",
          );
          return store.length > 0 && completed ? spans : undefined;
        },
        { timeoutMs: 60_000, what: "the poll's spans from gateway, poller and store" },
      );
      const names = [...servicesIn(trace)].sort();
      for (const s of ["gateway", "poller", "store"])
        assert.ok(names.includes(s), `services in the poll trace: ${names}`);
      const root = trace.find((s) => s.parentSpanId === "");
      assert.ok(root, "the trace has one root");
      assert.equal(root.service, "gateway");
      assert.equal(root.kind, KIND.server);
      assert.ok(trace.filter((s) => s.parentSpanId === "").length === 1, "exactly one root span");

      const publish = trace.find((s) => s.service === "poller" && s.name === "publish poller.page.collected");
      assert.ok(publish, "the poller's publish span is in the trace");
      assert.equal(publish.kind, KIND.producer);
      assert.equal(publish.attrs["messaging.system"], "nats");
      assert.equal(publish.attrs["messaging.operation.type"], "send");
      assert.match(String(publish.attrs["messaging.destination.name"]), /^poller\.page\.collected\./);
      const process = trace.find((s) => s.service === "store" && s.parentSpanId === publish.spanId);
      assert.ok(process, "a store span is the child of a page publish");
      assert.equal(process.kind, KIND.consumer);
      assert.equal(process.attrs["messaging.operation.type"], "process");
      assert.equal(process.attrs["messaging.consumer.group.name"], "store-collect");
      // The gateway's request over NATS (the poll start, or the integration's creation whose first
      // poll this is) is answered by a SERVER span of another service, its child.
      const requests = trace.filter((s) => s.service === "gateway" && s.kind === KIND.client);
      assert.ok(requests.length > 0, "the gateway's NATS request is in the trace");
      const served = trace.filter(
        (s) =>
          s.kind === KIND.server &&
          s.service !== "gateway" &&
          requests.some((r) => r.spanId === s.parentSpanId),
      );
      assert.ok(served.length > 0, "a service's SERVER span answers the gateway's request");
      assert.equal(served[0]?.attrs["messaging.operation.type"], "process");
    }));

  it("one trace follows a query from the gateway through the query service to the store", () =>
    withServiceLogs(async () => {
      const res = await api<{ queryId: string; rows: unknown[] }>(sys, "POST", "/api/query", {
        body: { sql: "SELECT count(*) AS n FROM azuread_user" },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const trace = await waitFor(
        () => {
          const gw = otlp.spans.find(
            (s) => s.service === "gateway" && s.name === "POST /api/query" && s.kind === KIND.server,
          );
          if (!gw) return undefined;
          const spans = traceOf(gw.traceId);
          const history = spans.some(
            (s) =>
              s.service === "store" && s.kind === KIND.consumer && s.name === "process query.query.executed",
          );
          return servicesIn(spans).has("query") && history ? spans : undefined;
        },
        { timeoutMs: 60_000, what: "a query trace with gateway, query and store spans" },
      );
      queryTraceId = trace[0]!.traceId;
      const root = trace.find((s) => s.parentSpanId === "");
      assert.equal(root?.name, "POST /api/query");
      assert.equal(root?.attrs["http.route"], "/api/query");
      assert.equal(root?.attrs["http.response.status_code"], 200);
      const serve = trace.find((s) => s.service === "query" && s.name === "process query.sql.execute");
      assert.ok(serve, `query spans: ${trace.map((s) => `${s.service}:${s.name}`).join(", ")}`);
      assert.equal(serve.kind, KIND.server);
      const history = trace.find((s) => s.service === "store" && s.kind === KIND.consumer);
      assert.ok(history, "the store's span (query history) is in the same trace");

      // JSON logs carry the trace: the query service's log line of this query names it.
      const lines = sys.services
        .get("query")!
        .logs()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const logged = lines.find((l) => l.msg === "query executed" && l.trace_id === queryTraceId);
      assert.ok(logged, "the query's log line carries its trace_id");
      assert.match(String(logged.span_id), /^[0-9a-f]{16}$/);
    }));

  it("every service serves Prometheus metrics with the named series", () =>
    withServiceLogs(async () => {
      const scrape = async (name: string) => {
        const res = await fetch(`http://127.0.0.1:${metricsPorts[name]}/metrics`);
        assert.equal(res.status, 200);
        return parseMetrics(await res.text());
      };
      const sum = (
        series: ReturnType<typeof parseMetrics>,
        name: string,
        labels: Record<string, string> = {},
      ) =>
        series
          .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
          .reduce((a, s) => a + s.value, 0);
      const has = (series: ReturnType<typeof parseMetrics>, name: string) =>
        series.some((s) => s.name === name);

      for (const name of SERVICE_ORDER) {
        const series = await scrape(name);
        assert.equal(sum(series, "tenantlens_bus_connected"), 1, `${name} reports its NATS connection`);
      }
      const poller = await scrape("poller");
      assert.equal(sum(poller, "tenantlens_poller_polls_total", { outcome: "succeeded" }), 1);
      assert.ok(sum(poller, "tenantlens_poller_objects_collected_total", { resource: "users" }) >= USERS);
      assert.ok(sum(poller, "tenantlens_poller_graph_requests_total") > 0);
      assert.ok(has(poller, "tenantlens_poller_graph_throttled_total"));
      assert.ok(has(poller, "tenantlens_poller_graph_resource_units_total"));
      assert.equal(sum(poller, "tenantlens_poller_poll_duration_seconds_count"), 1);
      assert.equal(sum(poller, "tenantlens_poller_poll_graph_requests_count"), 1);
      assert.equal(
        sum(poller, "tenantlens_poller_poll_graph_requests_sum"),
        sum(poller, "tenantlens_poller_graph_requests_total"),
        "the requests of the one poll",
      );

      const store = await scrape("store");
      assert.ok(sum(store, "tenantlens_store_ingest_rows_total", { resource: "users" }) >= USERS);
      assert.ok(sum(store, "tenantlens_store_generations_total") >= 1);
      assert.ok(sum(store, "tenantlens_store_disk_bytes", { part: "warehouse" }) > 0, "warehouse file size");
      assert.ok(sum(store, "tenantlens_store_disk_bytes", { part: "generations" }) > 0, "generations size");
      assert.ok(sum(store, "tenantlens_store_generation_lag_seconds_count") >= 1);
      const lastGen = sum(store, "tenantlens_store_last_generation_timestamp_seconds");
      assert.ok(
        lastGen > Date.now() / 1000 - 600 && lastGen <= Date.now() / 1000 + 1,
        `last generation ${lastGen}`,
      );
      const lag = store.filter((s) => s.name === "tenantlens_bus_consumer_pending");
      assert.ok(
        lag.some((s) => s.labels.consumer === "store-collect" && s.labels.stream === "TL_COLLECT"),
        `store consumers: ${JSON.stringify(lag)}`,
      );
      assert.equal(sum(store, "tenantlens_bus_consumer_pending", { consumer: "store-collect" }), 0);

      const query = await scrape("query");
      assert.ok(sum(query, "tenantlens_query_duration_seconds_count", { outcome: "ok", own: "false" }) >= 1);
      assert.ok(sum(query, "tenantlens_query_rows_total") >= 1);

      const gateway = await scrape("gateway");
      assert.ok(
        sum(gateway, "tenantlens_http_request_duration_seconds_count", {
          route: "/api/query",
          status: "200",
        }) >= 1,
      );
      const rules = await scrape("rules");
      assert.ok(has(rules, "tenantlens_bus_consumer_pending"), "rules reports its consumers' lag");
      const notifier = await scrape("notifier");
      assert.ok(has(notifier, "tenantlens_bus_consumer_pending"), "notifier reports its consumers' lag");
    }));

  it("each service is live and ready; /healthz summarises every heartbeat", () =>
    withServiceLogs(async () => {
      for (const name of SERVICE_ORDER) {
        const base = `http://127.0.0.1:${metricsPorts[name]}`;
        assert.equal((await fetch(`${base}/livez`)).status, 200, `${name} /livez`);
        const ready = await fetch(`${base}/readyz`);
        assert.equal(ready.status, 200, `${name} /readyz: ${await ready.text()}`);
      }
      const health = await waitFor(
        async () => {
          const res = await fetch(`${sys.baseUrl}/healthz`);
          const body = (await res.json()) as Health;
          return res.status === 200 && body.status === "ok" ? body : undefined;
        },
        { timeoutMs: 30_000, what: "/healthz to say ok" },
      );
      assert.equal(health.nats, "connected");
      for (const name of SERVICE_ORDER) {
        const s = health.services[name];
        assert.equal(s?.status, "ok", name);
        assert.equal(s?.instances, 1);
        assert.ok((s?.lastHeartbeatAgeSeconds ?? 99) < 5, `${name} heartbeat age`);
      }
      assert.ok(health.lastGenerationAgeSeconds !== null && health.lastGenerationAgeSeconds < 600);
      assert.ok(
        health.services.store?.consumers.some(
          (c) => c.durable === "store-collect" && c.stream === "TL_COLLECT",
        ),
      );
      const text = JSON.stringify(health);
      assert.doesNotMatch(
        text,
        /127\.0\.0\.1|nkey|secret|key_/i,
        "no addresses or secrets in the public summary",
      );
    }));

  it("stops every service on SIGTERM with exit code 0; /healthz notices a silent service", () =>
    withServiceLogs(async () => {
      // Quiet first (every consumer caught up, as the heartbeats report it): rules may still be
      // evaluating the generation, and a whole run may take longer than the stop's 10 s.
      await waitFor(
        async () => {
          const body = (await (await fetch(`${sys.baseUrl}/healthz`)).json()) as Health;
          return Object.values(body.services).every((s) =>
            s.consumers.every((c) => c.pending === 0 && c.ackPending === 0),
          );
        },
        { timeoutMs: 180_000, intervalMs: 500, what: "every consumer to catch up" },
      );
      // SIGTERM and wait for the exit within the services' own grace (25 s) plus slack for the load.
      const sigterm = async (name: string) => {
        const proc = sys.services.get(name)!;
        process.kill(proc.pid, "SIGTERM");
        const code = await Promise.race([
          proc.exited,
          new Promise<"late">((r) => setTimeout(() => r("late"), 60_000).unref()),
        ]);
        return { proc, code };
      };
      const { proc: notifier, code: notifierCode } = await sigterm("notifier");
      assert.equal(notifierCode, 0);
      assert.match(notifier.logs(), /"msg":"stopped"/);
      const degraded = await waitFor(
        async () => {
          const body = (await (await fetch(`${sys.baseUrl}/healthz`)).json()) as Health;
          return body.services.notifier?.status === "stale" ? body : undefined;
        },
        { timeoutMs: 30_000, what: "/healthz to see the notifier go stale" },
      );
      assert.equal(degraded.status, "degraded");
      assert.equal(degraded.services.store?.status, "ok");
      for (const name of [...SERVICE_ORDER].reverse().filter((n) => n !== "notifier")) {
        const ready = `http://127.0.0.1:${metricsPorts[name]}/readyz`;
        assert.equal((await fetch(ready)).status, 200);
        const { proc, code } = await sigterm(name);
        assert.equal(code, 0, `${name} exit code; logs:\n${proc.logs().slice(-2000)}`);
        assert.match(proc.logs(), /"msg":"stopped"/, name);
        await assert.rejects(fetch(ready), `${name}'s metrics port is closed`);
      }
    }));
});
