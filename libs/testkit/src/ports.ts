import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * A TCP port that was free on 127.0.0.1 a moment ago, for a server a test starts next.
 *
 * Picked at random below the kernel's ephemeral range, not by binding port 0: ports the OS hands
 * out (to every outgoing connection, and to each `listen(0)` of the other test files running at
 * the same time) come from that range, and one of them was seen taking a test gateway's port in
 * the moment between this check and the gateway's own `listen` (EADDRINUSE). Below the range only
 * another pick like this one can collide, one chance in thousands. Falls back to the OS's choice.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralStart();
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = LOW + Math.floor(Math.random() * (high - LOW));
    if (await canListen(port)) return port;
  }
  return listenOn(0);
}

/** Lowest port considered (below it: well-known and commonly configured services). */
const LOW = 10_000;

/** First port of the kernel's ephemeral range (Linux: ip_local_port_range; elsewhere 32768). */
function ephemeralStart(): number {
  try {
    const first = Number(
      readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0],
    );
    if (Number.isInteger(first) && first > LOW + 1000) return first;
  } catch {
    // not Linux
  }
  return 32_768;
}

function canListen(port: number): Promise<boolean> {
  return listenOn(port).then(
    () => true,
    () => false,
  );
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(port, "127.0.0.1", () => {
      const addr = srv.address();
      const got = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (got ? resolve(got) : reject(new Error("could not get a free port"))));
    });
  });
}
