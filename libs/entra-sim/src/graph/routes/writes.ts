import { SKUS } from "../../directory/generate/catalog.js";
import type { JsonObject } from "../../directory/index.js";
import { StoreError } from "../../directory/index.js";
import type { Ctx } from "../context.js";
import { GraphError } from "../errors.js";
import { json } from "../http.js";
import { PERMS } from "../permissions.js";
import type { RouteDef } from "../router.js";
import { lookup } from "./objects.js";

/**
 * The writes provisioning uses, with Graph's semantics and error bodies: create, update and
 * soft-delete users, revoke their sessions, assign or remove licences, add and remove group members.
 * Every write goes through the store's mutations, so reads, delta rounds and the audit log see it.
 */

const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/** Properties `POST /users` requires (Graph: "A value is required for property …"). */
const REQUIRED_ON_CREATE = ["accountEnabled", "displayName", "mailNickname", "userPrincipalName"] as const;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function badRequest(message: string): GraphError {
  return new GraphError(400, "Request_BadRequest", message);
}

function storeCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof StoreError) {
      throw new GraphError(
        err.code === "NotFound" ? 404 : 400,
        err.code === "NotFound" ? "Request_ResourceNotFound" : "Request_BadRequest",
        err.message,
      );
    }
    throw err;
  }
}

function body(ctx: Ctx): JsonObject {
  const b = ctx.req.body;
  if (!b || typeof b !== "object" || Array.isArray(b))
    throw new GraphError(400, "BadRequest", "Empty Payload. JSON content expected.");
  return b as JsonObject;
}

function refId(ctx: Ctx): string {
  const ref = body(ctx)["@odata.id"];
  const m = typeof ref === "string" ? /([0-9a-fA-F-]{36})\/?$/.exec(ref) : null;
  if (!m) throw badRequest("Invalid object identifier in '@odata.id'.");
  return m[1]!;
}

/** Graph refuses a second object with a taken userPrincipalName with ObjectConflict details. */
function upnConflict(ctx: Ctx, upn: unknown, self?: string): void {
  if (typeof upn !== "string") return;
  const other = ctx.dir.store.findUserByUpn(upn);
  if (other && other.id !== self) {
    throw new GraphError(
      400,
      "Request_BadRequest",
      "Another object with the same value for property userPrincipalName already exists.",
      {},
      [{ target: "userPrincipalName", code: "ObjectConflict" }],
    );
  }
}

function checkCreate(ctx: Ctx, props: JsonObject): void {
  for (const p of REQUIRED_ON_CREATE) {
    if (props[p] === undefined || props[p] === null || props[p] === "")
      throw badRequest(`A value is required for property '${p}' of resource 'User'.`);
  }
  const profile = props.passwordProfile as { password?: unknown } | null | undefined;
  if (!profile || typeof profile !== "object" || typeof profile.password !== "string" || !profile.password)
    throw badRequest("A value is required for property 'passwordProfile' of resource 'User'.");
  if (profile.password.length < 8)
    throw badRequest(
      "The specified password does not comply with password complexity requirements. Please provide a different password.",
    );
  const upn = String(props.userPrincipalName);
  const domain = upn.split("@")[1]?.toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(upn) || !domain)
    throw badRequest("Invalid value specified for property 'userPrincipalName' of resource 'User'.");
  const domains = ctx.dir.data.domains().map((d) => String(d.id).toLowerCase());
  if (!domains.includes(domain))
    throw badRequest(
      "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.",
    );
  upnConflict(ctx, upn);
}

export function writeRoutes(): RouteDef[] {
  return [
    {
      pattern: "users",
      method: "POST",
      perms: PERMS.userWrite,
      handle: (ctx) => {
        const props = { ...body(ctx) };
        checkCreate(ctx, props);
        delete props.passwordProfile;
        const o = storeCall(() => ctx.dir.create("user", props));
        return json(201, { "@odata.context": `${ctx.base}/$metadata#users/$entity`, ...o.obj });
      },
    },
    {
      pattern: "users/{id}",
      method: "PATCH",
      perms: PERMS.userWrite,
      handle: (ctx) => {
        const u = lookup(ctx, "user", ctx.params.id!);
        const props = { ...body(ctx) };
        // A new password is accepted and, like Graph, never stored or returned.
        delete props.passwordProfile;
        upnConflict(ctx, props.userPrincipalName, u.id);
        if ("accountEnabled" in props && typeof props.accountEnabled !== "boolean")
          throw badRequest("Invalid value specified for property 'accountEnabled' of resource 'User'.");
        storeCall(() => ctx.dir.updateChecked(u.id, props));
        return { status: 204, headers: {} };
      },
    },
    {
      pattern: "users/{id}",
      method: "DELETE",
      perms: PERMS.userWrite,
      handle: (ctx) => {
        const u = lookup(ctx, "user", ctx.params.id!);
        storeCall(() => ctx.dir.store.softDelete(u.id));
        return { status: 204, headers: {} };
      },
    },
    {
      // Invalidates refresh tokens and session cookies: Graph moves signInSessionsValidFromDateTime.
      pattern: "users/{id}/revokeSignInSessions",
      method: "POST",
      perms: PERMS.userWrite,
      handle: (ctx) => {
        const u = lookup(ctx, "user", ctx.params.id!);
        storeCall(() => ctx.dir.store.update(u.id, { signInSessionsValidFromDateTime: nowIso() }));
        return json(200, { "@odata.context": `${ctx.base}/$metadata#Edm.Boolean`, value: true });
      },
    },
    {
      pattern: "users/{id}/assignLicense",
      method: "POST",
      perms: PERMS.licenseWrite,
      handle: (ctx) => {
        const u = lookup(ctx, "user", ctx.params.id!);
        const b = body(ctx);
        const add = b.addLicenses;
        const remove = b.removeLicenses;
        if (!Array.isArray(add) || !Array.isArray(remove))
          throw badRequest("Both addLicenses and removeLicenses are required (they may be empty).");
        const current = (Array.isArray(u.obj.assignedLicenses) ? u.obj.assignedLicenses : []) as {
          skuId: string;
          disabledPlans: string[];
        }[];
        let next = [...current];
        for (const r of remove) {
          if (typeof r !== "string" || !GUID.test(r))
            throw badRequest(`Invalid license SKU id '${String(r)}'.`);
          if (!next.some((a) => a.skuId === r))
            throw badRequest("User does not have a corresponding license.");
          next = next.filter((a) => a.skuId !== r);
        }
        for (const a of add) {
          const skuId = (a as { skuId?: unknown } | null)?.skuId;
          if (typeof skuId !== "string" || !SKUS.some((s) => s.skuId === skuId))
            throw badRequest(`License ${String(skuId)} does not correspond to a valid company License.`);
          const disabledPlans = (a as { disabledPlans?: unknown }).disabledPlans;
          next = [
            ...next.filter((x) => x.skuId !== skuId),
            { skuId, disabledPlans: Array.isArray(disabledPlans) ? (disabledPlans as string[]) : [] },
          ];
        }
        if (next.length > 0 && !u.obj.usageLocation)
          throw badRequest("License assignment cannot be done for user with invalid usage location.");
        const o = storeCall(() => ctx.dir.store.update(u.id, { assignedLicenses: next }));
        return json(200, { "@odata.context": `${ctx.base}/$metadata#users/$entity`, ...o.obj });
      },
    },
    {
      pattern: "groups/{id}/members/$ref",
      method: "POST",
      perms: PERMS.groupMembersWrite,
      handle: (ctx) => {
        const g = lookup(ctx, "group", ctx.params.id!);
        const member = refId(ctx);
        storeCall(() => ctx.dir.store.addMember(g.id, member));
        return { status: 204, headers: {} };
      },
    },
    {
      pattern: "groups/{id}/members/{memberId}/$ref",
      method: "DELETE",
      perms: PERMS.groupMembersWrite,
      handle: (ctx) => {
        const g = lookup(ctx, "group", ctx.params.id!);
        storeCall(() => ctx.dir.store.removeMember(g.id, ctx.params.memberId!));
        return { status: 204, headers: {} };
      },
    },
  ];
}
