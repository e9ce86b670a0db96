import { derivedOf, type ResourceDef, resourceByName } from "@tenantlens/graph";

export interface ReadPlan {
  /** Absolute URL of the first request. */
  url: string;
  mode: "full" | "delta";
  /** Extra request headers (page size for delta, which ignores $top). */
  headers: Record<string, string>;
  /** Whether this read ends with an @odata.deltaLink to save. */
  expectsDeltaLink: boolean;
}

export interface PlanOptions {
  graphEndpoint: string;
  /** Saved deltaLink for this integration and resource, if any. */
  deltaLink: string | null;
  /** Ignore saved delta links. */
  full: boolean;
  /** Test/operations override of the catalog page size. */
  pageSize: number | null;
}

/** The column properties, plus the navigation properties that carry derived resources (e.g. members). */
export function selectOf(resource: ResourceDef): string {
  const fan = resource.fanOut;
  // References (owners) are read as ids; other children without the parent key the poller adds.
  if (fan?.reference) return "id";
  const props = resource.columns.flatMap((c) =>
    c.property && c.property !== fan?.parentKey ? [c.property] : [],
  );
  return [...props, ...derivedOf(resource).map((d) => d.derived?.relation ?? "")].join(",");
}

/**
 * Delta resources start from the saved deltaLink (mode delta) or `<path>/delta` (an initial sync is a
 * full read); plain lists use `$top`; singletons are one GET.
 */
export function planRead(resource: ResourceDef, opts: PlanOptions): ReadPlan {
  if (resource.derived)
    throw new Error(`${resource.name} is read inside ${resource.derived.from}, not on its own`);
  if (resource.fanOut) {
    // The first request lists the parents' ids; fanOutChildUrl reads each parent's children.
    const parent = resourceByName(resource.fanOut.from);
    if (!parent) throw new Error(`${resource.name} reads per ${resource.fanOut.from}, not in the catalog`);
    // Parents read per parent themselves: their own plan lists the grandparents.
    if (parent.fanOut) return planRead(parent, opts);
    const parentBase = `${opts.graphEndpoint.replace(/\/+$/, "")}/${parent.version}${parent.path}`;
    const top = parent.pageSize === null ? null : (opts.pageSize ?? parent.pageSize);
    const url = withQuery(parentBase, ["$select=id", top ? `$top=${top}` : ""]);
    return { url, mode: "full", headers: {}, expectsDeltaLink: false };
  }
  const base = `${opts.graphEndpoint.replace(/\/+$/, "")}/${resource.version}${resource.path}`;
  const select = resource.select ? `$select=${selectOf(resource)}` : "";
  if (resource.delta) {
    const headers: Record<string, string> = {};
    if (opts.pageSize) headers.Prefer = `odata.maxpagesize=${opts.pageSize}`;
    if (opts.deltaLink && !opts.full)
      return { url: opts.deltaLink, mode: "delta", headers, expectsDeltaLink: true };
    return { url: withQuery(`${base}/delta`, [select]), mode: "full", headers, expectsDeltaLink: true };
  }
  // Resources without a catalog page size do not take $top (e.g. /domains), so the override skips them.
  const top = resource.singleton || resource.pageSize === null ? null : (opts.pageSize ?? resource.pageSize);
  const url = withQuery(base, [select, top ? `$top=${top}` : "", encodeQuery(resource.query)]);
  return { url, mode: "full", headers: {}, expectsDeltaLink: false };
}

/** The first request for one parent's children of a fan-out resource (`{id}` in the path replaced). */
export function fanOutChildUrl(
  resource: ResourceDef,
  parentId: string,
  opts: { graphEndpoint: string; pageSize: number | null },
): string {
  // A parent that is itself read per parent has the id '<grandparentId>:<childId>' (GUIDs first, so
  // split at the first colons only: channel ids such as '19:…@thread.tacv2' contain colons too).
  const slots = resource.path.split("{id}").length - 1;
  const parts: string[] = [];
  let rest = parentId;
  for (let i = 1; i < slots; i++) {
    const at = rest.indexOf(":");
    if (at < 0) break;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  let k = 0;
  const path = resource.path.replace(/\{id\}/g, () => encodeURIComponent(parts[k++] ?? ""));
  const base = `${opts.graphEndpoint.replace(/\/+$/, "")}/${resource.version}${path}`;
  // A path ending in the parent (`/teams/{id}`) answers one object, which takes no $top.
  const single = resource.path.endsWith("{id}");
  const top = single || resource.pageSize === null ? null : (opts.pageSize ?? resource.pageSize);
  const select = resource.select ? `$select=${selectOf(resource)}` : "";
  return withQuery(base, [select, top ? `$top=${top}` : "", encodeQuery(resource.query)]);
}

/** The catalog's extra query options, values percent-encoded (`$filter=a eq '/'` → `$filter=a%20eq%20'%2F'`). */
export function encodeQuery(query: string | null): string {
  if (!query) return "";
  return query
    .split("&")
    .map((part) => {
      const eq = part.indexOf("=");
      if (eq < 0) return part;
      return `${part.slice(0, eq)}=${encodeURIComponent(part.slice(eq + 1))
        .replace(/%24/g, "$")
        .replace(/%2C/g, ",")}`;
    })
    .join("&");
}

function withQuery(base: string, parts: string[]): string {
  const query = parts.filter((p) => p !== "").join("&");
  return query ? `${base}?${query}` : base;
}
