import { Resolver, lookup as systemLookup } from "node:dns/promises";
import { isIP, type Socket } from "node:net";
import { Agent, buildConnector } from "undici";
import { type AllowEntry, bareHost, refusal } from "../domain/targets.js";

/** A delivery or a channel was refused because of where it would connect (an expected failure). */
export class TargetRefused extends Error {
  override name = "TargetRefused";
}

/** Resolves a host name to every address it has (A and AAAA). */
export type Resolve = (host: string) => Promise<string[]>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), every address of both families. */
export const resolveWithSystem: Resolve = async (host) =>
  (await systemLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** These DNS servers (`ip` or `ip:port`), asked for A and AAAA records. */
export function resolveWithServers(servers: string[]): Resolve {
  const resolver = new Resolver({ timeout: 3_000, tries: 2 });
  resolver.setServers(servers);
  return async (host) => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const out = [
      ...(v4.status === "fulfilled" ? v4.value : []),
      ...(v6.status === "fulfilled" ? v6.value : []),
    ];
    if (out.length === 0) {
      const err = v4.status === "rejected" ? v4.reason : v6.status === "rejected" ? v6.reason : undefined;
      throw err instanceof Error ? err : new Error(`${host} has no A or AAAA record`);
    }
    return out;
  };
}

/**
 * Decides where a webhook may connect. `check` is what channel creation runs; `agent` is the HTTP
 * client deliveries use: its connector resolves the host itself, refuses the connection unless every
 * resolved address passes, then connects to the checked address (so a DNS answer cannot change
 * between check and connect) and checks the socket's peer address once more.
 */
export class TargetGuard {
  readonly agent: Agent;

  constructor(
    private readonly allow: readonly AllowEntry[],
    private readonly resolve: Resolve = resolveWithSystem,
    opts: { connectTimeoutMs?: number } = {},
  ) {
    const connect = buildConnector({ timeout: opts.connectTimeoutMs ?? 10_000 });
    this.agent = new Agent({
      keepAliveTimeout: 4_000,
      connect: (options, callback) => {
        const name = bareHost(options.hostname);
        const hostPart = isIP(name) === 6 ? `[${name}]` : name;
        const url = new URL(`${options.protocol}//${hostPart}${options.port ? `:${options.port}` : ""}/`);
        this.pick(url).then(
          (ip) => {
            connect(
              // TLS still verifies the certificate against the host name the user gave.
              { ...options, hostname: ip, servername: options.servername || (isIP(name) ? undefined : name) },
              (err, socket) => {
                if (err || !socket) {
                  callback(err ?? new Error("connection failed"), null);
                  return;
                }
                const peer = (socket as Socket).remoteAddress;
                const why = peer ? refusal(this.allow, url, peer) : "no peer address";
                if (why) {
                  socket.destroy();
                  callback(new TargetRefused(why), null);
                  return;
                }
                callback(null, socket);
              },
            );
          },
          (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
        );
      },
    });
  }

  /** Every address `url` resolves to, each one allowed; throws TargetRefused otherwise. */
  async check(url: URL): Promise<string[]> {
    const host = bareHost(url.hostname);
    let addresses: string[];
    if (isIP(host)) addresses = [host];
    else {
      try {
        addresses = await this.resolve(host);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new TargetRefused(
          `webhook target refused: ${host} does not resolve${code ? ` (${code})` : ""}; check the URL`,
        );
      }
    }
    if (addresses.length === 0) throw new TargetRefused(`webhook target refused: ${host} has no address`);
    for (const ip of addresses) {
      const why = refusal(this.allow, url, ip);
      if (why) throw new TargetRefused(why);
    }
    return addresses;
  }

  private async pick(url: URL): Promise<string> {
    const [first] = await this.check(url);
    return first as string;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
