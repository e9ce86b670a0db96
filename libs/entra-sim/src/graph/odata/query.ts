import { GraphError } from "../errors.js";

/** System query options, accepted with or without the `$` prefix as Graph does. */
export interface QueryOptions {
  select?: string[];
  filter?: string;
  top?: string;
  count?: boolean;
  expand?: string[];
  orderby?: string;
  search?: string;
  skiptoken?: string;
  deltatoken?: string;
  skip?: string;
  format?: string;
}

const SYSTEM = new Set([
  "select",
  "filter",
  "top",
  "count",
  "expand",
  "orderby",
  "search",
  "skiptoken",
  "deltatoken",
  "skip",
  "format",
  "levels",
  "apply",
  "compute",
  "index",
  "schemaversion",
]);

const bad = (message: string) => new GraphError(400, "BadRequest", message);

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    throw bad(`The query string '${s.slice(0, 100)}' is not correctly encoded.`);
  }
}

function splitList(v: string, what: string): string[] {
  const items = v
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
  if (items.length === 0)
    throw bad(`Parsing OData Select and Expand failed: the ${what} expression '${v}' is empty.`);
  for (const x of items) {
    if (!/^[A-Za-z_@*][A-Za-z0-9_@./]*(\(.*\))?$/.test(x)) {
      throw bad(`Parsing OData Select and Expand failed: Term '${x}' is not valid in a ${what} expression.`);
    }
  }
  return items;
}

export function parseQuery(rawQuery: string): QueryOptions {
  const q: QueryOptions = {};
  const seen = new Set<string>();
  if (rawQuery.length > 16_384) throw bad("The query string is too long.");
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawName = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? "" : decode(part.slice(eq + 1));
    const dollar = rawName.startsWith("$");
    const name = (dollar ? rawName.slice(1) : rawName).toLowerCase();
    if (!SYSTEM.has(name)) {
      if (dollar)
        throw bad(`Query option '${rawName}' is not allowed. Make sure that the query option is supported.`);
      continue; // Graph ignores unknown non-system parameters.
    }
    if (seen.has(name)) {
      throw bad(
        `Query option '$${name}' was specified more than once, but it must be specified at most once.`,
      );
    }
    seen.add(name);
    switch (name) {
      case "select":
        if (value.trim() !== "" && value.trim() !== "*") q.select = splitList(value, "$select");
        break;
      case "expand":
        if (value.trim() !== "") q.expand = splitList(value, "$expand");
        break;
      case "filter":
        q.filter = value;
        break;
      case "top":
        q.top = value;
        break;
      case "count": {
        const v = value.toLowerCase();
        if (v !== "true" && v !== "false") throw bad(`'${value}' is not a valid count option.`);
        q.count = v === "true";
        break;
      }
      case "orderby":
        q.orderby = value;
        break;
      case "search":
        q.search = value;
        break;
      case "skiptoken":
        q.skiptoken = value;
        break;
      case "deltatoken":
        q.deltatoken = value;
        break;
      case "skip":
        q.skip = value;
        break;
      case "format":
        if (value.toLowerCase() !== "json" && value.toLowerCase() !== "application/json") {
          throw bad(`The format '${value}' is not supported.`);
        }
        q.format = value;
        break;
      default:
        throw bad(`Query option '${rawName}' is not supported for this request.`);
    }
  }
  return q;
}

/** Parses $top: an integer in [1, max] or Graph's error. */
export function parseTop(raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new GraphError(
      400,
      "Request_BadRequest",
      `Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`,
    );
  }
  return n;
}

/** Query string without the given system options (with or without `$`), kept in original order and encoding. */
export function queryWithout(rawQuery: string, names: string[]): string[] {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  return rawQuery.split("&").filter((part) => {
    if (part === "") return false;
    const eq = part.indexOf("=");
    let n = eq < 0 ? part : part.slice(0, eq);
    try {
      n = decodeURIComponent(n);
    } catch {
      return true;
    }
    return !drop.has(n.replace(/^\$/, "").toLowerCase());
  });
}
