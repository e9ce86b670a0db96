import { SKUS } from "../../directory/generate/catalog.js";
import type { JsonObject, Kind, StoredObject } from "../../directory/index.js";
import type { Ctx } from "../context.js";
import { deltaResponse } from "../delta.js";
import { ENTITIES, type EntitySpec, looseEntity } from "../entities.js";
import { GraphError, insufficientPrivileges, nonPremium, notFoundObject } from "../errors.js";
import { type GraphResponse, json } from "../http.js";
import {
  arraySource,
  countResponse,
  entityResponse,
  kindSource,
  type ListOptions,
  listResponse,
} from "../listing.js";
import { hasAnyPermission, PERMS } from "../permissions.js";
import type { RouteDef } from "../router.js";
import { spAssignedTo, spAssignments, userAssignments } from "./app-roles.js";
import { annotateMixed, lookup, mixed } from "./objects.js";
import { writeRoutes } from "./writes.js";

interface KindSet {
  kind: Kind;
  sets: string[];
  perms: readonly string[];
  listCost?: number;
}

const KIND_SETS: readonly KindSet[] = [
  { kind: "user", sets: ["users"], perms: PERMS.users, listCost: 2 },
  { kind: "group", sets: ["groups"], perms: PERMS.groups },
  { kind: "application", sets: ["applications"], perms: PERMS.applications, listCost: 2 },
  { kind: "servicePrincipal", sets: ["servicePrincipals"], perms: PERMS.applications },
  { kind: "directoryRole", sets: ["directoryRoles"], perms: PERMS.roles },
  {
    kind: "administrativeUnit",
    sets: ["directory/administrativeUnits", "administrativeUnits"],
    perms: PERMS.adminUnits,
  },
  { kind: "oauth2PermissionGrant", sets: ["oauth2PermissionGrants"], perms: PERMS.grants, listCost: 2 },
  { kind: "orgContact", sets: ["contacts"], perms: PERMS.contacts },
  { kind: "device", sets: ["devices"], perms: PERMS.devices },
];

/** Navigation properties $expand can inline, per kind (Graph caps expanded collections at 20). */
function expansions(ctx: Ctx, kind: Kind): ListOptions["expand"] {
  const cap = (list: StoredObject[]) => mixed(list.slice(0, 20));
  const store = ctx.dir.store;
  switch (kind) {
    case "user":
      return {
        manager: (o) => {
          const m = store.manager(String(o.id));
          return m ? mixed([m])[0] : null;
        },
        memberOf: (o) => cap(store.memberOf(String(o.id))),
      };
    case "group":
      return {
        members: (o) => cap(store.members(String(o.id))),
        owners: (o) => cap(store.owners(String(o.id))),
      };
    case "application":
    case "servicePrincipal":
      return { owners: (o) => cap(store.owners(String(o.id))) };
    case "directoryRole":
    case "administrativeUnit":
      return { members: (o) => cap(store.members(String(o.id))) };
    default:
      return undefined;
  }
}

/** signInActivity needs AuditLog.Read.All and an Entra ID P1 tenant, like Graph. */
function checkSignInActivity(ctx: Ctx): void {
  const wants =
    (ctx.q.select ?? []).includes("signInActivity") || (ctx.q.filter ?? "").includes("signInActivity");
  if (!wants) return;
  if (!hasAnyPermission(ctx.perms, PERMS.auditLogs)) throw insufficientPrivileges();
  if (!ctx.dir.licences().p1) throw nonPremium();
}

function kindRoutes(ks: KindSet): RouteDef[] {
  const entity: EntitySpec = ENTITIES[ks.kind];
  return ks.sets.flatMap((set): RouteDef[] => [
    {
      pattern: set,
      perms: ks.perms,
      cost: ks.listCost ?? 1,
      handle: (ctx) => {
        if (ks.kind === "user") checkSignInActivity(ctx);
        return listResponse(ctx, {
          entity,
          context: set,
          source: kindSource(ctx, ks.kind),
          key: set,
          expand: expansions(ctx, ks.kind),
        });
      },
    },
    {
      pattern: `${set}/$count`,
      perms: ks.perms,
      handle: (ctx) => countResponse(ctx, { entity, source: kindSource(ctx, ks.kind) }),
    },
    {
      pattern: `${set}/{id}`,
      perms: ks.perms,
      handle: (ctx) => {
        if (ks.kind === "user") checkSignInActivity(ctx);
        const o = lookup(ctx, ks.kind, ctx.params.id!);
        return entityResponse(ctx, o.obj, { entity, context: set, expand: expansions(ctx, ks.kind) });
      },
    },
    { pattern: `${set}/delta`, perms: ks.perms, handle: (ctx) => deltaResponse(ctx, ks.kind, set) },
  ]);
}

const DIRECTORY_OBJECT: EntitySpec = looseEntity("directoryObject", "DirectoryObject");

function relation(
  pattern: string,
  kind: Kind | readonly Kind[],
  perms: readonly string[],
  list: (ctx: Ctx, o: StoredObject) => StoredObject[],
  cost = 1,
): RouteDef[] {
  const options = (ctx: Ctx): ListOptions => {
    const o = lookup(ctx, kind, ctx.params.id!);
    return {
      entity: DIRECTORY_OBJECT,
      context: "directoryObjects",
      source: arraySource(mixed(list(ctx, o))),
      key: `${pattern}:${o.id}`,
      annotate: annotateMixed,
    };
  };
  return [
    { pattern, perms, cost, handle: (ctx) => listResponse(ctx, options(ctx)) },
    { pattern: `${pattern}/$count`, perms, handle: (ctx) => countResponse(ctx, options(ctx)) },
  ];
}

const APP_ROLE_ASSIGNMENT = looseEntity("appRoleAssignment", "AppRoleAssignment");

function assignmentsRoute(
  pattern: string,
  kind: Kind,
  perms: readonly string[],
  list: (ctx: Ctx, id: string) => JsonObject[],
  cost = 1,
): RouteDef {
  return {
    pattern,
    perms,
    cost,
    handle: (ctx) => {
      const o = lookup(ctx, kind, ctx.params.id!);
      return listResponse(ctx, {
        entity: APP_ROLE_ASSIGNMENT,
        context: "appRoleAssignments",
        source: arraySource(list(ctx, o.id)),
        key: `${pattern}:${o.id}`,
      });
    },
  };
}

function licenseDetails(_ctx: Ctx, user: StoredObject): JsonObject[] {
  const assigned = Array.isArray(user.obj.assignedLicenses)
    ? (user.obj.assignedLicenses as { skuId?: string }[])
    : [];
  return assigned.flatMap((a) => {
    const sku = SKUS.find((s) => s.skuId === a.skuId);
    if (!sku) return [];
    return [
      {
        id: Buffer.from(`${sku.skuId}:${user.id}`).toString("base64url").slice(0, 43),
        skuId: sku.skuId,
        skuPartNumber: sku.skuPartNumber,
        servicePlans: sku.plans.map((p) => ({
          appliesTo: "User",
          provisioningStatus: "Success",
          servicePlanId: p.servicePlanId,
          servicePlanName: p.servicePlanName,
        })),
      },
    ];
  });
}

/** `me` resolves to the signed-in user of a delegated token. */
function meId(ctx: Ctx): string {
  if (!ctx.claims.oid || ctx.claims.scp === undefined) {
    throw new GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
  }
  return ctx.claims.oid;
}

function userRelations(prefix: "users/{id}" | "me"): RouteDef[] {
  const perms = prefix === "me" ? PERMS.me : PERMS.users;
  const withMe = (ctx: Ctx): Ctx =>
    prefix === "me" ? { ...ctx, params: { ...ctx.params, id: meId(ctx) } } : ctx;
  const wrap = (defs: RouteDef[]): RouteDef[] =>
    defs.map((d) => ({ ...d, handle: (ctx: Ctx) => d.handle(withMe(ctx)) }));
  return wrap([
    {
      pattern: `${prefix}/manager`,
      perms,
      handle: (ctx) => {
        const u = lookup(ctx, "user", ctx.params.id!);
        const m = ctx.dir.store.manager(u.id);
        if (!m)
          throw new GraphError(
            404,
            "Request_ResourceNotFound",
            "Resource 'manager' does not exist or one of its queried reference-property objects are not present.",
          );
        return entityResponse(ctx, mixed([m])[0]!, {
          entity: DIRECTORY_OBJECT,
          context: "directoryObjects",
          annotate: annotateMixed,
        });
      },
    },
    ...relation(`${prefix}/memberOf`, "user", PERMS.memberOf, (ctx, o) => ctx.dir.store.memberOf(o.id), 2),
    ...relation(
      `${prefix}/transitiveMemberOf`,
      "user",
      PERMS.memberOf,
      (ctx, o) => ctx.dir.store.transitiveMemberOf(o.id),
      2,
    ),
    {
      pattern: `${prefix}/licenseDetails`,
      perms: PERMS.licenseDetails,
      handle: (ctx) => {
        const u = lookup(ctx, "user", ctx.params.id!);
        return listResponse(ctx, {
          entity: looseEntity("licenseDetails", "LicenseDetails"),
          context: "licenseDetails",
          source: arraySource(licenseDetails(ctx, u)),
          key: `ld:${u.id}`,
        });
      },
    },
    assignmentsRoute(`${prefix}/appRoleAssignments`, "user", PERMS.appRoleAssignments, userAssignments),
    {
      pattern: `${prefix}/mailboxSettings`,
      perms: PERMS.mailboxSettings,
      handle: (ctx) => {
        const u = lookup(ctx, "user", ctx.params.id!);
        return json(200, {
          "@odata.context": `${ctx.base}/$metadata#users('${u.id}')/mailboxSettings`,
          archiveFolder: null,
          timeZone: "Pacific Standard Time",
          automaticRepliesSetting: {
            status: "disabled",
            externalAudience: "none",
            internalReplyMessage: "",
            externalReplyMessage: "",
            scheduledStartDateTime: null,
            scheduledEndDateTime: null,
          },
          dateFormat: "M/d/yyyy",
          timeFormat: "h:mm tt",
          delegateMeetingMessageDeliveryOptions: "sendToDelegateOnly",
          userPurpose: "user",
          language: { locale: "en-US", displayName: "English (United States)" },
          workingHours: {
            daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"],
            startTime: "08:00:00.0000000",
            endTime: "17:00:00.0000000",
            timeZone: { name: "Pacific Standard Time" },
          },
        });
      },
    },
    {
      pattern: `${prefix}/people`,
      perms: PERMS.people,
      handle: (ctx) => {
        const u = lookup(ctx, "user", ctx.params.id!);
        const people = ctx.dir.store
          .memberOf(u.id)
          .filter((g) => g.kind === "group")
          .slice(0, 2)
          .flatMap((g) => ctx.dir.store.members(g.id).filter((m) => m.kind === "user" && m.id !== u.id))
          .slice(0, 10)
          .map((m) => ({
            id: m.id,
            displayName: m.obj.displayName ?? null,
            givenName: m.obj.givenName ?? null,
            surname: m.obj.surname ?? null,
            jobTitle: m.obj.jobTitle ?? null,
            department: m.obj.department ?? null,
            userPrincipalName: m.obj.userPrincipalName ?? null,
            scoredEmailAddresses: [
              { address: m.obj.mail ?? null, relevanceScore: 8, selectionLikelihood: "notSpecified" },
            ],
            personType: { class: "Person", subclass: "OrganizationUser" },
          }));
        return listResponse(ctx, {
          entity: looseEntity("person", "Person"),
          context: "people",
          source: arraySource(people),
          key: `people:${u.id}`,
        });
      },
    },
  ]);
}

const DELETED_TYPES: Record<string, Kind> = {
  "microsoft.graph.user": "user",
  "microsoft.graph.group": "group",
  "microsoft.graph.application": "application",
  "microsoft.graph.serviceprincipal": "servicePrincipal",
  "microsoft.graph.administrativeunit": "administrativeUnit",
};

function deletedItemsRoutes(): RouteDef[] {
  const kindOf = (ctx: Ctx): Kind => {
    const k = DELETED_TYPES[ctx.params.type!.toLowerCase()];
    if (!k)
      throw new GraphError(400, "BadRequest", `Resource not found for the segment '${ctx.params.type}'.`);
    return k;
  };
  return [
    {
      pattern: "directory/deletedItems/{type}",
      perms: PERMS.deletedItems,
      handle: (ctx) => {
        const kind = kindOf(ctx);
        const items = ctx.dir.store.softDeleted(kind).map((o) => o.obj);
        return listResponse(ctx, {
          entity: ENTITIES[kind],
          context: `directory/deletedItems/${ctx.params.type}`,
          source: arraySource(items),
          key: `deleted:${kind}`,
        });
      },
    },
    {
      pattern: "directory/deletedItems/{type}/{id}",
      perms: PERMS.deletedItems,
      handle: (ctx) => {
        const kind = kindOf(ctx);
        const o = ctx.dir.store.get(ctx.params.id!);
        if (!o || o.kind !== kind || o.state !== "softDeleted") throw notFoundObject(ctx.params.id!);
        return entityResponse(ctx, o.obj, {
          entity: ENTITIES[kind],
          context: `directory/deletedItems/${ctx.params.type}`,
        });
      },
    },
  ];
}

export function directoryRoutes(): RouteDef[] {
  const store = (ctx: Ctx) => ctx.dir.store;
  return [
    ...KIND_SETS.flatMap(kindRoutes),
    ...userRelations("users/{id}"),
    {
      pattern: "me",
      perms: PERMS.me,
      handle: (ctx) => {
        const u = lookup(ctx, "user", meId(ctx));
        return entityResponse(ctx, u.obj, { entity: ENTITIES.user, context: "users" });
      },
    },
    ...userRelations("me"),
    ...relation("groups/{id}/members", "group", PERMS.groups, (ctx, o) => store(ctx).members(o.id), 3),
    ...relation("groups/{id}/owners", "group", PERMS.groups, (ctx, o) => store(ctx).owners(o.id)),
    ...relation(
      "groups/{id}/transitiveMembers",
      "group",
      PERMS.groups,
      (ctx, o) => store(ctx).transitiveMembers(o.id),
      5,
    ),
    ...relation("groups/{id}/memberOf", "group", PERMS.groups, (ctx, o) => store(ctx).memberOf(o.id)),
    assignmentsRoute("groups/{id}/appRoleAssignments", "group", PERMS.groups, () => []),
    ...relation("applications/{id}/owners", "application", PERMS.applications, (ctx, o) =>
      store(ctx).owners(o.id),
    ),
    ...relation("servicePrincipals/{id}/owners", "servicePrincipal", PERMS.applications, (ctx, o) =>
      store(ctx).owners(o.id),
    ),
    ...relation("servicePrincipals/{id}/memberOf", "servicePrincipal", PERMS.applications, (ctx, o) =>
      store(ctx).memberOf(o.id),
    ),
    assignmentsRoute(
      "servicePrincipals/{id}/appRoleAssignments",
      "servicePrincipal",
      PERMS.applications,
      spAssignments,
      2,
    ),
    assignmentsRoute(
      "servicePrincipals/{id}/appRoleAssignedTo",
      "servicePrincipal",
      PERMS.applications,
      spAssignedTo,
    ),
    {
      pattern: "servicePrincipals/{id}/oauth2PermissionGrants",
      perms: PERMS.grants,
      handle: (ctx) => {
        const sp = lookup(ctx, "servicePrincipal", ctx.params.id!);
        const s = store(ctx);
        const grants: JsonObject[] = [];
        for (let p = 0; p < s.positions("oauth2PermissionGrant"); p++) {
          const g = s.atPosition("oauth2PermissionGrant", p);
          if (g && g.clientId === sp.id) grants.push(g);
        }
        return listResponse(ctx, {
          entity: ENTITIES.oauth2PermissionGrant,
          context: "oauth2PermissionGrants",
          source: arraySource(grants),
          key: `spg:${sp.id}`,
        });
      },
    },
    ...relation("directoryRoles/{id}/members", "directoryRole", PERMS.roles, (ctx, o) =>
      store(ctx).members(o.id),
    ),
    ...relation(
      "directory/administrativeUnits/{id}/members",
      "administrativeUnit",
      PERMS.adminUnits,
      (ctx, o) => store(ctx).members(o.id),
    ),
    ...relation("administrativeUnits/{id}/members", "administrativeUnit", PERMS.adminUnits, (ctx, o) =>
      store(ctx).members(o.id),
    ),
    ...relation("devices/{id}/registeredOwners", "device", PERMS.devices, () => []),
    ...relation("contacts/{id}/memberOf", "orgContact", PERMS.contacts, (ctx, o) =>
      store(ctx).memberOf(o.id),
    ),
    ...deletedItemsRoutes(),
    {
      pattern: "directoryObjects/{id}",
      perms: PERMS.users,
      handle: (ctx) => {
        const o = ctx.dir.store.getActive(ctx.params.id!);
        if (!o) throw notFoundObject(ctx.params.id!);
        return entityResponse(ctx, mixed([o])[0]!, {
          entity: DIRECTORY_OBJECT,
          context: "directoryObjects",
          annotate: annotateMixed,
        });
      },
    },
    {
      pattern: "directoryObjects/getByIds",
      method: "POST",
      perms: PERMS.users,
      cost: 3,
      handle: (ctx) => {
        const b = ctx.req.body as { ids?: unknown; types?: unknown } | undefined;
        if (
          !b ||
          !Array.isArray(b.ids) ||
          b.ids.length > 1000 ||
          !b.ids.every((x) => typeof x === "string")
        ) {
          throw new GraphError(
            400,
            "Request_BadRequest",
            "The 'ids' property must be an array of at most 1000 object ids.",
          );
        }
        const types = Array.isArray(b.types) ? b.types.map((t) => String(t).toLowerCase()) : null;
        const found = (b.ids as string[])
          .map((id) => ctx.dir.store.getActive(id))
          .filter(
            (o): o is StoredObject => o !== undefined && (!types || types.includes(o.kind.toLowerCase())),
          );
        return json(200, { "@odata.context": `${ctx.base}/$metadata#directoryObjects`, value: mixed(found) });
      },
    },
    ...writeRoutes(),
  ];
}

export type { GraphResponse };
