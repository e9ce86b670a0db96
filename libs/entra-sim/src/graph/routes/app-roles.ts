import { assignmentId, spRole } from "../../directory/generate/apps.js";
import { GRAPH_APP_ROLES } from "../../directory/generate/catalog.js";
import { DAY, iso } from "../../directory/generate/context.js";
import type { JsonObject } from "../../directory/index.js";
import type { Ctx } from "../context.js";

/** appRoleAssignment objects derived from the generator's relations plus mirrored identity apps. */

const DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000";

/** Assignments held by a service principal (its application permissions on Microsoft Graph). */
export function spAssignments(ctx: Ctx, spId: string): JsonObject[] {
  const store = ctx.dir.store;
  const sp = store.getActive(spId, "servicePrincipal");
  if (!sp) return [];
  const idx = store.generatedIndex(spId);
  const graphSp = store.idAt("servicePrincipal", 0);
  const out: JsonObject[] = [];
  if (idx >= 0) {
    store.rel.spGraphRoles(idx).forEach((perm, k) => {
      out.push({
        id: assignmentId(store.ctx, 0xa55, idx, k),
        deletedDateTime: null,
        appRoleId: perm.id,
        createdDateTime: iso(store.ctx.ref - (30 + ((idx * 7 + k) % 300)) * DAY),
        principalDisplayName: sp.obj.displayName ?? null,
        principalId: spId,
        principalType: "ServicePrincipal",
        resourceDisplayName: "Microsoft Graph",
        resourceId: graphSp,
      });
    });
  }
  out.push(...(store.extraAppRoleAssignments.get(spId) ?? []));
  return out;
}

/** Assignments granted on a resource service principal (who holds its app roles). */
export function spAssignedTo(ctx: Ctx, spId: string): JsonObject[] {
  const store = ctx.dir.store;
  const sp = store.getActive(spId, "servicePrincipal");
  if (!sp) return [];
  const idx = store.generatedIndex(spId);
  if (idx === 0) {
    const out: JsonObject[] = [];
    for (let p = 0; p < store.positions("servicePrincipal"); p++) {
      const o = store.atPosition("servicePrincipal", p);
      if (o) out.push(...spAssignments(ctx, String(o.id)));
    }
    return out;
  }
  if (idx < 0) return [];
  const role = spRole(store.ctx, idx);
  if (role.type !== "own") return [];
  return store.rel
    .appRoleUsers(role.local)
    .map((u) => store.getActive(store.idAt("user", u)))
    .filter((u) => u !== undefined)
    .map((u) => userAssignment(ctx, u.obj, spId, String(sp.obj.displayName ?? ""), 0));
}

function userAssignment(
  ctx: Ctx,
  user: JsonObject,
  spId: string,
  resourceName: string,
  k: number,
): JsonObject {
  const store = ctx.dir.store;
  return {
    id: assignmentId(store.ctx, 0xa56, store.generatedIndex(String(user.id)), k),
    deletedDateTime: null,
    appRoleId: DEFAULT_ACCESS,
    createdDateTime: iso(store.ctx.ref - 60 * DAY),
    principalDisplayName: user.displayName ?? null,
    principalId: user.id,
    principalType: "User",
    resourceDisplayName: resourceName,
    resourceId: spId,
  };
}

/** Assignments held by a user (access to one of the tenant's own applications). */
export function userAssignments(ctx: Ctx, userId: string): JsonObject[] {
  const store = ctx.dir.store;
  const u = store.getActive(userId, "user");
  const idx = store.generatedIndex(userId);
  if (!u || idx < 0) return [];
  const a = store.rel.userAppAssignment(idx);
  if (a < 0) return [];
  const spId = store.idAt("servicePrincipal", store.ctx.counts.firstPartySps + a);
  const sp = store.getActive(spId);
  if (!sp) return [];
  return [userAssignment(ctx, u.obj, spId, String(sp.obj.displayName ?? ""), 0)];
}

export function graphPermissionName(appRoleId: string): string | undefined {
  return GRAPH_APP_ROLES.find((r) => r.id === appRoleId)?.value;
}
