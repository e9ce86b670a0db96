import { BlockList, isIP } from "node:net";

/**
 * Where webhooks may go. Webhook URLs are chosen by users, so every address a delivery would
 * connect to is checked against the ranges below (loopback, private, link-local with the cloud
 * metadata endpoint, unique-local, multicast, IPv4-mapped IPv6, …) unless the operator allowed it
 * with NOTIFIER_ALLOWED_TARGETS. Pure: resolution and connecting live in adapters/target-guard.ts.
 */

type Family = "ipv4" | "ipv6";

const RANGES: Array<[label: string, family: Family, cidrs: string[]]> = [
  ["the cloud metadata endpoint", "ipv4", ["169.254.169.254/32", "100.100.100.200/32"]],
  ["the cloud metadata endpoint", "ipv6", ["fd00:ec2::254/128"]],
  ["a loopback address", "ipv4", ["127.0.0.0/8"]],
  ["a loopback address", "ipv6", ["::1/128"]],
  ["an unspecified address", "ipv4", ["0.0.0.0/8"]],
  ["an unspecified address", "ipv6", ["::/128"]],
  ["an IPv4-mapped IPv6 address", "ipv6", ["::ffff:0:0/96"]],
  ["an IPv4-compatible IPv6 address", "ipv6", ["::/96"]],
  ["a private address", "ipv4", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]],
  ["a shared (carrier-grade NAT) address", "ipv4", ["100.64.0.0/10"]],
  ["a link-local address", "ipv4", ["169.254.0.0/16"]],
  ["a link-local address", "ipv6", ["fe80::/10"]],
  ["a unique-local address", "ipv6", ["fc00::/7"]],
  ["a site-local address", "ipv6", ["fec0::/10"]],
  ["a multicast address", "ipv4", ["224.0.0.0/4"]],
  ["a multicast address", "ipv6", ["ff00::/8"]],
  ["a reserved address", "ipv4", ["240.0.0.0/4", "192.0.0.0/24"]],
  ["a documentation or benchmarking address", "ipv4", ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]],
  ["a documentation or benchmarking address", "ipv4", ["198.18.0.0/15"]],
  ["a documentation or benchmarking address", "ipv6", ["2001:db8::/32"]],
  ["a discard-only address", "ipv6", ["100::/64"]],
  ["a NAT64 address", "ipv6", ["64:ff9b::/96", "64:ff9b:1::/48"]],
  ["a 6to4 or Teredo address", "ipv6", ["2002::/16", "2001::/32"]],
];

/**
 * Node's BlockList also matches IPv4 addresses against IPv4-mapped IPv6 rules (and the reverse),
 * so every list holds one family and is consulted only for addresses of that family.
 */
const LISTS: Array<{ label: string; family: Family; list: BlockList }> = RANGES.map(
  ([label, family, cidrs]) => {
    const list = new BlockList();
    for (const cidr of cidrs) {
      const [net, bits] = cidr.split("/");
      list.addSubnet(net as string, Number(bits), family);
    }
    return { label, family, list };
  },
);

/** Without brackets and zone: `[::1]` → `::1`. */
export function bareHost(host: string): string {
  return host.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
}

/** Why an IP address must not be a webhook target, or null when it is public. */
export function blockedReason(ip: string): string | null {
  const addr = bareHost(ip);
  const v = isIP(addr);
  if (v === 0) return "not an IP address";
  const family: Family = v === 4 ? "ipv4" : "ipv6";
  for (const l of LISTS) if (l.family === family && l.list.check(addr, family)) return l.label;
  return null;
}

export interface AllowEntry {
  /** What the operator wrote, for messages. */
  raw: string;
  kind: "host" | "ip" | "cidr";
  /** host: lowercase name without a trailing dot; ip/cidr: the address. */
  value: string;
  port: number | null;
  prefix?: number;
  family: Family;
  list?: BlockList;
}

/**
 * NOTIFIER_ALLOWED_TARGETS: comma-separated `host`, `host:port`, `ip`, `ip:port`, `[ipv6]:port` or
 * CIDR (`10.0.0.0/8`, `fd00::/8`). Throws with the offending entry.
 */
export function parseAllowList(raw: string): AllowEntry[] {
  const out: AllowEntry[] = [];
  for (const part of raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    out.push(parseAllowEntry(part));
  }
  return out;
}

function parseAllowEntry(raw: string): AllowEntry {
  const bad = (why: string) => new Error(`"${raw}": ${why}`);
  if (raw.includes("/")) {
    const [net, bitsText] = raw.split("/");
    const v = isIP(net ?? "");
    const bits = Number(bitsText);
    if (v === 0 || !Number.isInteger(bits) || bits < 0 || bits > (v === 4 ? 32 : 128))
      throw bad("expected a CIDR such as 10.0.0.0/8 or fd00::/8");
    const family = v === 4 ? "ipv4" : "ipv6";
    const list = new BlockList();
    list.addSubnet(net as string, bits, family);
    return { raw, kind: "cidr", value: net as string, port: null, prefix: bits, family, list };
  }
  let host = raw;
  let port: number | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
  if (bracketed) {
    host = bracketed[1] as string;
    port = bracketed[2] ? Number(bracketed[2]) : null;
  } else if (isIP(raw) !== 6) {
    const m = /^(.*):(\d+)$/.exec(raw);
    if (m) {
      host = m[1] as string;
      port = Number(m[2]);
    }
  }
  if (port !== null && (port < 1 || port > 65535)) throw bad("port must be 1-65535");
  if (isIP(host)) return { raw, kind: "ip", value: host, port, family: isIP(host) === 4 ? "ipv4" : "ipv6" };
  const name = host.toLowerCase().replace(/\.$/, "");
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(name))
    throw bad("expected a host name, an IP address (optionally with :port) or a CIDR");
  return { raw, kind: "host", value: name, port, family: "ipv4" };
}

/** The operator's allow-list covers this (URL host, port, resolved address). */
export function isAllowed(entries: readonly AllowEntry[], host: string, port: number, ip: string): boolean {
  const name = bareHost(host).toLowerCase().replace(/\.$/, "");
  const addr = bareHost(ip);
  const family = isIP(addr) === 6 ? "ipv6" : "ipv4";
  return entries.some((e) => {
    if (e.port !== null && e.port !== port) return false;
    if (e.kind === "host") return e.value === name;
    if (e.family !== family) return false;
    if (e.kind === "ip") return sameIp(e.value, addr, family);
    return e.list?.check(addr, family) ?? false;
  });
}

function sameIp(a: string, b: string, family: Family): boolean {
  if (a === b) return true;
  const list = new BlockList();
  list.addAddress(a, family);
  return list.check(b, family);
}

/** Port a URL connects to. */
export function portOf(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

/**
 * The verdict for one resolved address: null when a delivery may connect to it, else the sentence
 * users see ("… resolves to 127.0.0.1, a loopback address …").
 */
export function refusal(entries: readonly AllowEntry[], url: URL, ip: string): string | null {
  const port = portOf(url);
  if (isAllowed(entries, url.hostname, port, ip)) return null;
  const reason = blockedReason(ip);
  if (!reason) return null;
  const host = bareHost(url.hostname);
  const where = host === bareHost(ip) ? `${host} is` : `${host} resolves to ${bareHost(ip)},`;
  return `webhook target refused: ${where} ${reason}; deliveries to internal networks are not allowed unless the operator lists the target in NOTIFIER_ALLOWED_TARGETS`;
}
