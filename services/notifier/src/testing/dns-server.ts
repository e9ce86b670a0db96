import { createSocket, type Socket } from "node:dgram";
import { isIP } from "node:net";

/**
 * A tiny authoritative DNS server over UDP on loopback for tests: answers A and AAAA questions
 * from `answer(name)` (a list of addresses; empty = the name does not exist). Enough of RFC 1035
 * for Node's resolver: one question per query, no compression in questions, TTL 0.
 */
export interface DnsServer {
  address: string;
  queries: string[];
  answer: (name: string) => string[];
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;

export async function startDnsServer(answer: (name: string) => string[]): Promise<DnsServer> {
  const socket: Socket = createSocket("udp4");
  const server: DnsServer = {
    address: "",
    queries: [],
    answer,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  socket.on("message", (msg, peer) => {
    const reply = respond(msg, server);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  server.address = `127.0.0.1:${socket.address().port}`;
  return server;
}

function respond(msg: Buffer, server: DnsServer): Buffer | null {
  if (msg.length < 12) return null;
  let offset = 12;
  const labels: string[] = [];
  while (offset < msg.length && msg[offset] !== 0) {
    const len = msg[offset] as number;
    labels.push(msg.subarray(offset + 1, offset + 1 + len).toString("ascii"));
    offset += len + 1;
  }
  offset += 1;
  if (offset + 4 > msg.length) return null;
  const qtype = msg.readUInt16BE(offset);
  const question = msg.subarray(12, offset + 4);
  const name = labels.join(".").toLowerCase();
  server.queries.push(`${name}/${qtype === TYPE_AAAA ? "AAAA" : qtype === TYPE_A ? "A" : qtype}`);
  const all = server.answer(name);
  const family = qtype === TYPE_AAAA ? 6 : 4;
  const records = all.filter((a) => isIP(a) === family);
  const header = Buffer.alloc(12);
  msg.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8400 | (all.length === 0 ? 3 : 0), 2); // response, authoritative, NXDOMAIN?
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const answers = records.map((ip) => {
    const rdata = family === 4 ? Buffer.from(ip.split(".").map(Number)) : ipv6Bytes(ip);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(0, 6); // TTL 0: every lookup asks again
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, question, ...answers]);
}

function ipv6Bytes(ip: string): Buffer {
  const [head = "", tail = ""] = ip.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g || "0", 16), i * 2);
  return out;
}
