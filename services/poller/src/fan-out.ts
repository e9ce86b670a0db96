import { type ResourceDef, resourceByName } from "@tenantlens/graph";
import type { Logger } from "@tenantlens/telemetry";
import { type GraphReader, GraphRequestError } from "./adapters/graph-reader.js";
import type { CostMeter } from "./domain/cost.js";
import type { GraphObject } from "./domain/pages.js";
import { fanOutChildUrl } from "./domain/request.js";
import { childrenOf, fanOutRows } from "./domain/rows.js";

/** Rows gathered across parents before they are published as one page. */
const ROWS_PER_PAGE = 500;

/**
 * Reads a fan-out resource (catalog `fanOut`): lists the parents' ids from `parentsUrl` (every
 * `@odata.nextLink`), then each parent's children one request chain after another, and yields the
 * rows in pages of a few hundred. Only the parent ids and one page of rows are held in memory. A
 * parent that disappeared between the listing and its read (404) is skipped; any other failure, or
 * an answer that is not a collection, ends the read (the caller records the outcome). Every request
 * is counted on `meter`, like the reader's own.
 */
export async function* fanOutPages(
  resource: ResourceDef,
  parentsUrl: string,
  deps: { graph: GraphReader; graphEndpoint: string; pageSize: number | null; log: Logger },
  signal: AbortSignal,
  meter?: CostMeter,
): AsyncGenerator<GraphObject[]> {
  const parents: string[] = [];
  const parent = resource.fanOut ? resourceByName(resource.fanOut.from) : undefined;
  if (parent?.fanOut) {
    // Parents read per parent themselves (channels of each team): their row ids are the parents.
    for await (const rows of fanOutPages(parent, parentsUrl, deps, signal, meter))
      for (const r of rows) parents.push(r.id);
  } else {
    for (let url: string | null = parentsUrl; url; ) {
      const body = await deps.graph.get(url, {}, signal, meter);
      if (!Array.isArray(body.value)) throw malformed(resource.fanOut?.from ?? resource.name);
      for (const p of body.value) {
        const id = (p as { id?: unknown } | null)?.id;
        if (typeof id === "string" && id !== "") parents.push(id);
      }
      url = nextLink(body);
    }
  }
  let buffer: GraphObject[] = [];
  let pages = 0;
  let invalid = 0;
  let gone = 0;
  for (const parentId of parents) {
    let url: string | null = fanOutChildUrl(resource, parentId, deps);
    while (url) {
      let body: Record<string, unknown>;
      try {
        body = await deps.graph.get(url, {}, signal, meter);
      } catch (err) {
        if (err instanceof GraphRequestError && err.failure.status === 404) {
          gone++;
          break;
        }
        throw err;
      }
      const children = childrenOf(body);
      if (!children) throw malformed(resource.path);
      const out = fanOutRows(resource, parentId, children);
      invalid += out.invalid;
      buffer.push(...out.rows);
      if (buffer.length >= ROWS_PER_PAGE) {
        yield buffer;
        pages++;
        buffer = [];
      }
      url = nextLink(body);
    }
  }
  // At least one page, so an empty result is recorded like an empty list.
  if (buffer.length > 0 || pages === 0) yield buffer;
  if (invalid > 0 || gone > 0)
    deps.log.warn({ invalid, parentsGone: gone, parents: parents.length }, "fan-out read skipped entries");
}

function nextLink(body: Record<string, unknown>): string | null {
  const v = body["@odata.nextLink"];
  return typeof v === "string" && v !== "" ? v : null;
}

export function malformed(what: string): GraphRequestError {
  return new GraphRequestError({
    status: 200,
    code: null,
    message: `Malformed answer from Graph: ${what} returned no 'value' collection`,
  });
}
