import {
  allDeclarations,
  type BucketDef,
  type Declarations,
  SERVICES,
  type ServiceName,
  serviceAccess,
  streamsOf,
} from "@tenantlens/contracts";
import { eventPattern } from "./subjects.js";

/** Subjects one NATS user may publish to and subscribe to (nats-server `permissions`). */
export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
  /** The user may answer requests it received (publish once to their reply subject). */
  allowResponses: boolean;
}

/**
 * How long a responder may take to answer (nats-server's `allow_responses.expires`; its default, two
 * minutes, would drop the answer of a long query). Longer than any request timeout the system uses.
 */
export const RESPONSE_WINDOW = "1h";

/**
 * Each service's private inbox prefix: replies to its requests and JetStream deliveries arrive under
 * it, and no other service may subscribe there (so nobody reads another's tokens or results).
 */
export function inboxPrefix(service: string): string {
  return `_INBOX.${service}`;
}

/** Stream management a publisher or consumer of `stream` needs (create/update at start, info). */
function streamAdmin(stream: string): string[] {
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.CREATE.${stream}`,
    `$JS.API.STREAM.UPDATE.${stream}`,
  ];
}

/** Durable and ordered consumers on `stream`: create, look up, pull, delete, acknowledge. */
function consumerOps(stream: string): string[] {
  return [
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/** A KV bucket or object store: its stream, reads (direct get, watchers) and, for writers, puts. */
function bucketPermissions(bucket: BucketDef, write: boolean): string[] {
  const stream = bucket.kind === "kv" ? `KV_${bucket.name}` : `OBJ_${bucket.name}`;
  const subjects = bucket.kind === "kv" ? `$KV.${bucket.name}.>` : `$O.${bucket.name}.>`;
  return [
    ...streamAdmin(stream),
    ...consumerOps(stream),
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    ...(write ? [subjects, `$JS.API.STREAM.PURGE.${stream}`] : []),
  ];
}

/**
 * The permissions of `service`, derived from the declarations in `@tenantlens/contracts`: requests it
 * sends, events it publishes (through JetStream), streams it manages and consumes, buckets it reads
 * or writes, the requests it answers and the events it follows live, and its own inbox.
 */
export function busPermissions(service: ServiceName, decl: Declarations = allDeclarations): NatsPermissions {
  const access = serviceAccess(service, decl);
  const publish = new Set<string>(["$JS.API.INFO"]);
  const subscribe = new Set<string>([`${inboxPrefix(service)}.>`]);
  for (const r of access.calls) publish.add(r.subject);
  for (const e of access.publishes) publish.add(eventPattern(e));
  for (const s of streamsOf(access)) for (const p of streamAdmin(s)) publish.add(p);
  for (const s of access.consumes) for (const p of consumerOps(s)) publish.add(p);
  // A purger also lists the stream's consumers: it purges no further than all of them acknowledged.
  for (const e of access.purges) {
    publish.add(`$JS.API.STREAM.PURGE.${e.stream}`);
    publish.add(`$JS.API.CONSUMER.LIST.${e.stream}`);
  }
  for (const b of access.writes) for (const p of bucketPermissions(b, true)) publish.add(p);
  for (const b of access.reads) for (const p of bucketPermissions(b, false)) publish.add(p);
  for (const r of access.serves) subscribe.add(r.subject);
  for (const e of access.subscribes) subscribe.add(eventPattern(e));
  return { publish: [...publish].sort(), subscribe: [...subscribe].sort(), allowResponses: true };
}

/** One user of the generated `authorization` block. */
export interface BusUser {
  /** Public NKEY (`U…`). */
  nkey: string;
  /** What the user is, for the comment above it. */
  name: string;
  /** Omitted: everything (an operator identity, never a service). */
  permissions?: NatsPermissions;
}

/** The users of the bus: one per service, with its derived permissions. */
export function serviceUsers(
  publicKeys: Partial<Record<ServiceName, string>>,
  decl: Declarations = allDeclarations,
): BusUser[] {
  return SERVICES.map((service) => {
    const nkey = publicKeys[service];
    if (!nkey) throw new Error(`no NKEY for service ${service}`);
    return { name: service, nkey, permissions: busPermissions(service, decl) };
  });
}

/** The nats-server `authorization { users = [...] }` block for `users` (config file syntax). */
export function natsAuthorization(users: readonly BusUser[]): string {
  const q = (s: string) => JSON.stringify(s);
  const list = (subjects: readonly string[]) => `[${subjects.map(q).join(", ")}]`;
  const lines = ["authorization {", "  users = ["];
  for (const u of users) {
    lines.push(`    # ${u.name}`);
    if (!u.permissions) {
      lines.push(`    { nkey: ${q(u.nkey)} }`);
      continue;
    }
    const p = u.permissions;
    lines.push(
      `    { nkey: ${q(u.nkey)}, permissions: {`,
      `        publish: { allow: ${list(p.publish)} }`,
      `        subscribe: { allow: ${list(p.subscribe)} }`,
      ...(p.allowResponses ? [`        allow_responses: { max: 1, expires: ${q(RESPONSE_WINDOW)} }`] : []),
      "    } }",
    );
  }
  lines.push("  ]", "}");
  return `${lines.join("\n")}\n`;
}

/** Where nats-server accepts NATS over WebSocket (what `ws://` / `wss://` clients such as the edge gateway reach). */
export interface WebsocketListener {
  host: string;
  port: number;
  /** PEM certificate and key for wss://; without them the listener is plain ws:// (`no_tls`, loopback or behind a TLS proxy). */
  tls?: { certFile: string; keyFile: string };
}

/**
 * The nats-server `websocket { … }` block. The `authorization` users (each service's NKEY and its
 * permissions) apply to WebSocket clients as to TCP ones: nothing here opens the bus.
 */
export function natsWebsocket(listener: WebsocketListener): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = ["websocket {", `  host: ${q(listener.host)}`, `  port: ${listener.port}`];
  if (listener.tls) {
    lines.push(`  tls { cert_file: ${q(listener.tls.certFile)}, key_file: ${q(listener.tls.keyFile)} }`);
  } else {
    lines.push("  no_tls: true");
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
