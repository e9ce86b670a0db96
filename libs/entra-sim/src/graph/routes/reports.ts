import { DAY } from "../../directory/generate/context.js";
import {
  auditAt,
  auditCount,
  auditStep,
  registrationDetailsAt,
  signInAt,
  signInCount,
  signInStep,
} from "../../directory/generate/logs.js";
import type { JsonObject } from "../../directory/index.js";
import type { Ctx } from "../context.js";
import { ENTITIES } from "../entities.js";
import { notFoundObject } from "../errors.js";
import { entityResponse, listResponse, type Source } from "../listing.js";
import { timeBounds } from "../odata/filter.js";
import { PERMS } from "../permissions.js";
import type { RouteDef } from "../router.js";

/**
 * Audit logs and sign-ins (newest first; generated entry i happens at ref - i·step, so a time
 * window maps to an index range without scanning) and authentication-method registration details.
 */

function auditSource(ctx: Ctx): Source {
  const dir = ctx.dir;
  const recent = dir.recentAudits;
  const a = recent.length;
  const n = auditCount(dir.ctx);
  const step = auditStep(dir.ctx);
  return {
    size: a + n,
    at: (p) =>
      p < a ? recent[a - 1 - p] : p < a + n ? (auditAt(dir.ctx, p - a) as unknown as JsonObject) : undefined,
    count: () => a + n,
    range: (filter) => {
      const b = timeBounds(filter, "activityDateTime");
      const start =
        b.to === undefined ? 0 : a > 0 ? 0 : a + Math.max(0, Math.floor((dir.ctx.ref - b.to) / step) - 1);
      const end =
        b.from === undefined
          ? a + n
          : a + Math.min(n, Math.max(0, Math.ceil((dir.ctx.ref - b.from) / step) + 2));
      return [Math.min(start, end), end];
    },
  };
}

function signInSource(ctx: Ctx): Source {
  const c = ctx.dir.ctx;
  const n = signInCount(c);
  const step = signInStep(c);
  return {
    size: n,
    at: (p) => (p < n ? (signInAt(c, p) as unknown as JsonObject) : undefined),
    count: () => n,
    range: (filter) => {
      const b = timeBounds(filter, "createdDateTime");
      const start = b.to === undefined ? 0 : Math.max(0, Math.floor((c.ref - b.to) / step) - 1);
      const end = b.from === undefined ? n : Math.min(n, Math.max(0, Math.ceil((c.ref - b.from) / step) + 2));
      return [Math.min(start, end), end];
    },
  };
}

function registrationSource(ctx: Ctx): Source {
  const store = ctx.dir.store;
  const c = ctx.dir.ctx;
  const gen = store.generated("user");
  return {
    size: store.positions("user"),
    count: () => store.activeCount("user"),
    at: (p) => {
      const u = store.atPosition("user", p);
      if (!u) return undefined;
      if (p < gen)
        return registrationDetailsAt(c, p, store.rel.roles.rolesOfUser.has(p)) as unknown as JsonObject;
      return {
        id: u.id,
        isAdmin: false,
        isMfaCapable: false,
        isMfaRegistered: false,
        isPasswordlessCapable: false,
        isSsprCapable: false,
        isSsprEnabled: u.userType !== "Guest",
        isSsprRegistered: false,
        isSystemPreferredAuthenticationMethodEnabled: false,
        lastUpdatedDateTime: new Date(c.ref - DAY).toISOString().replace(/\.\d{3}Z$/, "Z"),
        methodsRegistered: [],
        systemPreferredAuthenticationMethods: [],
        userDisplayName: u.displayName ?? "",
        userPreferredMethodForSecondaryAuthentication: "none",
        userPrincipalName: u.userPrincipalName ?? "",
        userType: u.userType === "Guest" ? "guest" : "member",
      };
    },
  };
}

function byIdScan(source: Source, id: string, limit = 200_000): JsonObject | undefined {
  for (let p = 0; p < Math.min(source.size, limit); p++) {
    const o = source.at(p);
    if (o && o.id === id) return o;
  }
  return undefined;
}

export function reportRoutes(): RouteDef[] {
  const audit = ENTITIES.directoryAudit;
  const signIn = ENTITIES.signIn;
  const reg = ENTITIES.userRegistrationDetails;
  return [
    {
      pattern: "auditLogs/directoryAudits",
      perms: PERMS.auditLogs,
      reports: true,
      handle: (ctx) =>
        listResponse(ctx, {
          entity: audit,
          context: "auditLogs/directoryAudits",
          source: auditSource(ctx),
          key: "audits",
          maxTop: 1000,
          defaultTop: 1000,
          orderby: ["activitydatetime desc"],
          countNeedsAdvanced: false,
        }),
    },
    {
      pattern: "auditLogs/directoryAudits/{id}",
      perms: PERMS.auditLogs,
      reports: true,
      handle: (ctx) => {
        const o = byIdScan(auditSource(ctx), ctx.params.id!);
        if (!o) throw notFoundObject(ctx.params.id!);
        return entityResponse(ctx, o, { entity: audit, context: "auditLogs/directoryAudits" });
      },
    },
    {
      pattern: "auditLogs/signIns",
      perms: PERMS.auditLogs,
      reports: true,
      licence: "p1",
      handle: (ctx) =>
        listResponse(ctx, {
          entity: signIn,
          context: "auditLogs/signIns",
          source: signInSource(ctx),
          key: "signIns",
          maxTop: 1000,
          defaultTop: 1000,
          orderby: ["createddatetime desc"],
          countNeedsAdvanced: false,
        }),
    },
    {
      pattern: "auditLogs/signIns/{id}",
      perms: PERMS.auditLogs,
      reports: true,
      licence: "p1",
      handle: (ctx) => {
        const o = byIdScan(signInSource(ctx), ctx.params.id!);
        if (!o) throw notFoundObject(ctx.params.id!);
        return entityResponse(ctx, o, { entity: signIn, context: "auditLogs/signIns" });
      },
    },
    {
      pattern: "reports/authenticationMethods/userRegistrationDetails",
      perms: PERMS.registration,
      reports: true,
      licence: "p1",
      handle: (ctx) =>
        listResponse(ctx, {
          entity: reg,
          context: "reports/authenticationMethods/userRegistrationDetails",
          source: registrationSource(ctx),
          key: "reg",
          countNeedsAdvanced: false,
        }),
    },
    {
      pattern: "reports/authenticationMethods/userRegistrationDetails/{id}",
      perms: PERMS.registration,
      reports: true,
      licence: "p1",
      handle: (ctx) => {
        const store = ctx.dir.store;
        const u = store.getActive(ctx.params.id!, "user");
        if (!u) throw notFoundObject(ctx.params.id!);
        const idx = store.generatedIndex(u.id);
        const src = registrationSource(ctx);
        const o = idx >= 0 ? src.at(idx) : byIdScan(src, u.id);
        if (!o) throw notFoundObject(ctx.params.id!);
        return entityResponse(ctx, o, {
          entity: reg,
          context: "reports/authenticationMethods/userRegistrationDetails",
        });
      },
    },
  ];
}
