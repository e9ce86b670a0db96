import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import type { HealthState } from "./health.js";

export interface OpsServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The operations endpoint of one service: `/metrics` (Prometheus text), `/livez` (the process
 * answers) and `/readyz` (it takes work: started, not stopping, every readiness check true).
 */
export async function startOpsServer(opts: {
  port: number;
  host: string;
  health: HealthState;
  prometheus: PrometheusExporter;
  service: string;
}): Promise<OpsServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, { error: "method not allowed" });
    if (path === "/metrics") return opts.prometheus.getMetricsRequestHandler(req, res);
    if (path === "/livez") return send(res, 200, { status: "ok", service: opts.service });
    if (path === "/readyz") {
      const r = await opts.health.readiness();
      return send(res, r.ready ? 200 : 503, {
        status: r.ready ? "ready" : "not_ready",
        service: opts.service,
        phase: r.phase,
        checks: r.checks,
      });
    }
    return send(res, 404, { error: "not found: try /metrics, /livez or /readyz" });
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: "internal" });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(text);
}
