import { hash4, hex8 } from "./hash.js";
import { KIND_BY_CODE, KIND_CODE, type Kind } from "./kinds.js";

/**
 * Object ids that encode (kind, index) so any generated object can be found from its id without an
 * index Map: the last 12 hex digits carry kind and index (masked per tenant), the first 20 are a
 * keyed hash that is re-checked on decode so random GUIDs are not mistaken for ours.
 */
export class IdCodec {
  private readonly maskHi: number;
  private readonly maskLo: number;

  constructor(private readonly seedKey: number) {
    this.maskHi = hash4(seedKey, 0x51d, 1) & 0xffff;
    this.maskLo = hash4(seedKey, 0x51d, 2);
  }

  encode(kind: Kind, index: number): string {
    const code = KIND_CODE[kind];
    const head = this.head(code, index);
    const value = code * 2 ** 40 + index;
    const hi = (Math.floor(value / 2 ** 32) ^ this.maskHi) & 0xffff;
    const lo = ((value % 2 ** 32) ^ this.maskLo) >>> 0;
    const tail = hex8(hi).slice(4) + hex8(lo);
    const guid = `${head.slice(0, 8)}-${head.slice(8, 12)}-${head.slice(12, 16)}-${head.slice(16, 20)}-${tail}`;
    return kind === "oauth2PermissionGrant" ? guidToGrantId(guid, this.seedKey, index) : guid;
  }

  decode(id: string): { kind: Kind; index: number } | undefined {
    const guid = id.length === 43 ? grantIdToGuid(id) : id.toLowerCase();
    if (!guid || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(guid))
      return undefined;
    const tail = guid.slice(24);
    const hi = (Number.parseInt(tail.slice(0, 4), 16) ^ this.maskHi) & 0xffff;
    const lo = (Number.parseInt(tail.slice(4), 16) ^ this.maskLo) >>> 0;
    const value = hi * 2 ** 32 + lo;
    const code = Math.floor(value / 2 ** 40);
    const index = value % 2 ** 40;
    const kind = KIND_BY_CODE.get(code);
    if (!kind) return undefined;
    if (kind === "oauth2PermissionGrant" ? id.length !== 43 : id.length !== 36) return undefined;
    const head = this.head(code, index);
    const expect = `${head.slice(0, 8)}-${head.slice(8, 12)}-${head.slice(12, 16)}-${head.slice(16, 20)}`;
    return guid.startsWith(expect) ? { kind, index } : undefined;
  }

  private head(code: number, index: number): string {
    const a = hex8(hash4(this.seedKey, code, index, 11));
    const b = hex8(hash4(this.seedKey, code, index, 12));
    const w2 = hash4(this.seedKey, code, index, 13);
    const c = hex8(w2);
    const variant = "89ab"[w2 & 3]!;
    return `${a}${b.slice(0, 4)}4${b.slice(5, 8)}${variant}${c.slice(1, 4)}`;
  }
}

/** oauth2PermissionGrant ids are 43-character base64url strings in Graph, not GUIDs. */
function guidToGrantId(guid: string, seedKey: number, index: number): string {
  const bytes = Buffer.alloc(32);
  Buffer.from(guid.replaceAll("-", ""), "hex").copy(bytes, 0);
  for (let i = 0; i < 4; i++) bytes.writeUInt32BE(hash4(seedKey, 0x9a7, index, i), 16 + i * 4);
  return bytes.toString("base64url");
}

function grantIdToGuid(id: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
  const hex = Buffer.from(id, "base64url").subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
