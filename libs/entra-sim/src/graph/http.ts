/** Transport-free request/response shapes, so $batch can run inner requests through the same pipeline. */

export type GraphVersion = "v1.0" | "beta";

export interface GraphRequest {
  method: string;
  /** Full request URL; its origin is used for @odata links. */
  url: URL;
  version: GraphVersion;
  /** Path after the version, without the leading slash (percent-decoded per segment later). */
  path: string;
  /** Raw query string without the leading "?" (kept verbatim to rebuild nextLinks). */
  rawQuery: string;
  headers: Headers;
  body: unknown;
  requestId: string;
  clientRequestId: string;
}

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON body (serialised by the transport) … */
  body?: unknown;
  /** … or a raw body (text/plain counts, deliberately malformed JSON). */
  raw?: string;
}

export const JSON_CONTENT_TYPE =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

export function json(status: number, body: unknown, headers: Record<string, string> = {}): GraphResponse {
  return { status, headers: { "content-type": JSON_CONTENT_TYPE, ...headers }, body };
}
