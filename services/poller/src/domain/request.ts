import { derivedOf, type ResourceDef } from "@tenantlens/graph";

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
  const props = resource.columns.flatMap((c) => (c.property ? [c.property] : []));
  return [...props, ...derivedOf(resource).map((d) => d.derived?.relation ?? "")].join(",");
}

/**
 * Delta resources start from the saved deltaLink (mode delta) or `<path>/delta` (an initial sync is a
 * full read); plain lists use `$top`; singletons are one GET.
 */
export function planRead(resource: ResourceDef, opts: PlanOptions): ReadPlan {
  if (resource.derived)
    throw new Error(`${resource.name} is read inside ${resource.derived.from}, not on its own`);
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
