import type { JsonObject } from "../../directory/index.js";
import type { Ctx } from "../context.js";
import { type EntitySpec, looseEntity } from "../entities.js";
import { notFoundObject } from "../errors.js";
import { json } from "../http.js";
import { arraySource, entityResponse, type ListOptions, listResponse } from "../listing.js";
import type { Licence, RouteDef } from "../router.js";

/** Helpers for small tenant-level collections and singletons (filtered in memory, paged like Graph). */

export interface SmallOptions {
  licence?: Licence;
  cost?: number;
  /** Entity set name for @odata.context (default: the pattern). */
  context?: string;
  /** Also serve `{pattern}/{id}`. */
  withId?: boolean;
  entity?: EntitySpec;
  maxTop?: number;
  defaultTop?: number;
  orderby?: readonly string[];
  annotate?: ListOptions["annotate"];
  /** Navigation properties $expand can inline (built per request, so nested options can be read). */
  expand?: (ctx: Ctx) => ListOptions["expand"];
}

const annotateOwn = (o: JsonObject) =>
  typeof o["@odata.type"] === "string" ? (o["@odata.type"] as string) : undefined;

/** Items carrying their own "@odata.type" keep it first, as Graph serialises derived types. */
function stripType(o: JsonObject): JsonObject {
  if (!("@odata.type" in o)) return o;
  const { "@odata.type": _t, ...rest } = o;
  return rest;
}

export function small(
  pattern: string,
  perms: readonly string[],
  type: string,
  items: (ctx: Ctx) => JsonObject[],
  opts: SmallOptions = {},
): RouteDef[] {
  const resource = type.charAt(0).toUpperCase() + type.slice(1);
  const entity = opts.entity ?? looseEntity(type, resource);
  const context = opts.context ?? pattern;
  const listOpts = (ctx: Ctx): ListOptions => ({
    entity,
    context,
    source: arraySource(items(ctx)),
    key: pattern,
    maxTop: opts.maxTop ?? 999,
    defaultTop: opts.defaultTop ?? 100,
    orderby: opts.orderby,
    annotate: opts.annotate ?? annotateOwn,
    expand: opts.expand?.(ctx),
    countNeedsAdvanced: false,
  });
  const routes: RouteDef[] = [
    {
      pattern,
      perms,
      cost: opts.cost,
      licence: opts.licence,
      handle: (ctx) => listResponse(ctx, listOpts(ctx)),
    },
  ];
  if (opts.withId) {
    routes.push({
      pattern: `${pattern}/{id}`,
      perms,
      licence: opts.licence,
      handle: (ctx) => {
        const id = ctx.params.id!;
        const o = items(ctx).find((x) => String(x.id).toLowerCase() === id.toLowerCase());
        if (!o) throw notFoundObject(id);
        return entityResponse(ctx, o, {
          entity,
          context,
          annotate: opts.annotate ?? annotateOwn,
          expand: opts.expand?.(ctx),
        });
      },
    });
  }
  return routes;
}

export function single(
  pattern: string,
  perms: readonly string[],
  context: string,
  get: (ctx: Ctx) => JsonObject,
  licence?: Licence,
): RouteDef {
  return {
    pattern,
    perms,
    licence,
    handle: (ctx) => {
      const o = get(ctx);
      const body = ctx.q.select
        ? Object.fromEntries(ctx.q.select.map((k) => [k, k in o ? o[k] : null]))
        : stripType(o);
      const type = typeof o["@odata.type"] === "string" ? { "@odata.type": o["@odata.type"] } : {};
      return json(200, { "@odata.context": `${ctx.base}/$metadata#${context}`, ...type, ...body });
    },
  };
}
