import { BYTES_HEADER } from "@tenantlens/contracts";

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Whether `err` or one of its causes (the client wraps some errors) is a `type`. */
export function hasCause(err: unknown, type: new (...args: never[]) => Error): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    if (e instanceof type) return true;
    e = (e as Error).cause;
  }
  return false;
}

/** Byte that ends the JSON head of a message carrying a bytes field (JSON text never holds a raw one). */
const NEWLINE = 0x0a;

/**
 * A message's body and the headers it needs. A top-level field holding a Uint8Array (contracts'
 * `Bytes`; one per message) travels as is after the JSON of the other fields and a newline, and
 * `BYTES_HEADER` names it; anything else is plain JSON.
 */
export function encodeBody(value: unknown): { data: Uint8Array; headers: Record<string, string> } {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value);
    const raw = entries.filter(([, v]) => v instanceof Uint8Array);
    if (raw.length > 1) throw new Error(`a message carries one bytes field at most, not ${raw.length}`);
    const [field, bytes] = (raw[0] ?? []) as [string?, Uint8Array?];
    if (field !== undefined && bytes !== undefined) {
      const head = encoder.encode(JSON.stringify(Object.fromEntries(entries.filter(([k]) => k !== field))));
      const data = new Uint8Array(head.length + 1 + bytes.length);
      data.set(head);
      data[head.length] = NEWLINE;
      data.set(bytes, head.length + 1);
      return { data, headers: { [BYTES_HEADER]: field } };
    }
  }
  return { data: encodeJson(value), headers: {} };
}

/**
 * The value `encodeBody` wrote, given the message's `BYTES_HEADER` (if any). The bytes field is a
 * copy: the connection's read buffer is not held. Throws SyntaxError on a body that is not one.
 */
export function decodeBody(data: Uint8Array, bytesField: string | undefined): unknown {
  if (!bytesField) return JSON.parse(decoder.decode(data));
  if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(bytesField)) throw new SyntaxError(`bad bytes field name`);
  const end = data.indexOf(NEWLINE);
  if (end < 0) throw new SyntaxError("a message with a bytes field has no JSON head");
  const head: unknown = JSON.parse(decoder.decode(data.subarray(0, end)));
  if (head === null || typeof head !== "object" || Array.isArray(head))
    throw new SyntaxError("the JSON head of a message with a bytes field is not an object");
  return { ...head, [bytesField]: data.slice(end + 1) };
}
