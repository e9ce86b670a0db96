import { DAY } from "../../directory/generate/context.js";
import {
  auditAt,
  auditCount,
  registrationDetailsAt,
  signInAt,
  signInCount,
} from "../../directory/generate/logs.js";
import type { JsonObject } from "../../directory/index.js";
import type { Ctx } from "../context.js";
import { ENTITIES } from "../entities.js";
import { notFoundObject } from "../errors.js";
import { entityResponse, listResponse, type Source } from "../listing.js";
import { type LogSource, logEntryById, logListResponse } from "../log-listing.js";
import { PERMS } from "../permissions.js";
import type { RouteDef } from "../router.js";

/**
 * Audit logs and sign-ins (newest first; generated entry i happens at ref - i·step, so a time
 * window maps to an index range without scanning) and authentication-method registration details.
 */

function auditSource(ctx: Ctx): LogSource {
  const c = ctx.dir.ctx;
  return {
    timeField: "activityDateTime",
    generated: { size: auditCount(c), at: (i) => auditAt(c, i) as unknown as JsonObject },
    book: ctx.dir.audits,
  };
}

function signInSource(ctx: Ctx): LogSource {
  const c = ctx.dir.ctx;
  return {
    timeField: "createdDateTime",
    generated: { size: signInCount(c), at: (i) => signInAt(c, i) as unknown as JsonObject },
    book: ctx.dir.signIns,
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
        logListResponse(ctx, {
          entity: audit,
          context: "auditLogs/directoryAudits",
          source: auditSource(ctx),
          key: "audits",
          maxTop: 1000,
          defaultTop: 1000,
        }),
    },
    {
      pattern: "auditLogs/directoryAudits/{id}",
      perms: PERMS.auditLogs,
      reports: true,
      handle: (ctx) => {
        const o = logEntryById(auditSource(ctx), ctx.params.id!);
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
        logListResponse(ctx, {
          entity: signIn,
          context: "auditLogs/signIns",
          source: signInSource(ctx),
          key: "signIns",
          maxTop: 1000,
          defaultTop: 1000,
        }),
    },
    {
      pattern: "auditLogs/signIns/{id}",
      perms: PERMS.auditLogs,
      reports: true,
      licence: "p1",
      handle: (ctx) => {
        const o = logEntryById(signInSource(ctx), ctx.params.id!);
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
