import { type MsgHdrs, headers as natsHeaders } from "@nats-io/transport-node";

export function toRecord(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [k, values] of h) {
    const v = values[values.length - 1];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function toMsgHdrs(record: Record<string, string>): MsgHdrs {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(record)) h.set(k, v);
  return h;
}

/** Bytes the headers take on the wire (`NATS/1.0\r\n`, `k: v\r\n` each, final `\r\n`). */
export function headerBytes(record: Record<string, string>): number {
  let n = "NATS/1.0\r\n\r\n".length;
  for (const [k, v] of Object.entries(record)) n += Buffer.byteLength(`${k}: ${v}\r\n`);
  return n;
}
