import { type Authenticator, type NatsConnection, wsconnect } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";

/** How a URL reaches nats-server: the NATS protocol over TCP (optionally TLS) or over a WebSocket. */
export type BusTransport = "tcp" | "websocket";

const TCP = new Set(["nats:", "tls:"]);
const WEBSOCKET = new Set(["ws:", "wss:"]);

/**
 * The transport of a NATS_URL (one URL or several separated by commas). `nats://` and `tls://` go
 * over TCP (`@nats-io/transport-node`), `ws://` and `wss://` over a WebSocket (`wsconnect`, the
 * runtime's own WebSocket: no raw sockets, what an edge runtime offers). Mixing both kinds, or any
 * other scheme, throws.
 */
export function transportOf(url: string): { transport: BusTransport; servers: string[] } {
  const servers = url
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0) throw new Error("NATS_URL names no server");
  const kinds = new Set<BusTransport>();
  for (const server of servers) {
    let protocol: string;
    try {
      protocol = new URL(server).protocol;
    } catch {
      throw new Error(`${JSON.stringify(server)} is not a URL (expected nats://, tls://, ws:// or wss://)`);
    }
    if (TCP.has(protocol)) kinds.add("tcp");
    else if (WEBSOCKET.has(protocol)) kinds.add("websocket");
    else throw new Error(`${server}: expected nats://, tls://, ws:// or wss://`);
  }
  if (kinds.size > 1) {
    throw new Error(`NATS_URL mixes TCP (nats://, tls://) and WebSocket (ws://, wss://) servers: ${url}`);
  }
  return { transport: [...kinds][0] as BusTransport, servers };
}

export interface TransportOptions {
  name: string;
  maxReconnectAttempts: number;
  waitOnFirstConnect: boolean;
  inboxPrefix: string;
  /** Longest wait (ms) for one server's connection handshake. */
  timeout?: number;
  authenticator?: Authenticator;
  /** CA file for tls:// (TCP only: a WebSocket trusts what its runtime trusts). */
  tlsCaFile?: string;
}

/** Opens the connection over the transport the URL names. */
export async function openConnection(url: string, opts: TransportOptions): Promise<NatsConnection> {
  const { transport, servers } = transportOf(url);
  const { tlsCaFile, ...common } = opts;
  if (transport === "tcp") {
    return connect({ servers, ...common, ...(tlsCaFile ? { tls: { caFile: tlsCaFile } } : {}) });
  }
  if (tlsCaFile) {
    throw new Error(
      "NATS_TLS_CA_FILE applies to tls:// only; a wss:// connection trusts the runtime's certificate store " +
        "(Deno: DENO_CERT, Node: NODE_EXTRA_CA_CERTS)",
    );
  }
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== "function") {
    throw new Error(
      `ws:// and wss:// need a runtime with a global WebSocket (Deno, Node 22 and later); this is Node ${process.version}: use nats:// or tls://`,
    );
  }
  return wsconnect({ servers, ...common });
}
