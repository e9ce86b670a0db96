import { createHash } from "node:crypto";
import type { SimApp, SimSecret, TenantIdentity } from "../types.js";
import { newObject } from "./factory.js";
import {
  ACTIVATED_ROLE_TEMPLATES,
  GLOBAL_ADMIN_TEMPLATE,
  GRAPH_APP_ID,
  GRAPH_APP_ROLES,
  type GraphPermission,
} from "./generate/catalog.js";
import { DAY, type GenContext, iso } from "./generate/context.js";
import type { JsonObject } from "./kinds.js";
import type { ObjectStore } from "./store.js";

/**
 * The identity half's admin user and apps as directory objects (an application plus its service
 * principal per app). The first sync inserts them silently, as part of the seeded tenant; every
 * later identity change is applied through the store's normal mutations, so Graph reads, the change
 * log, delta rounds and the audit log all report it.
 */

interface MirroredApp {
  applicationId: string;
  servicePrincipalId: string;
  /**
   * The identity's `deleted` flag as last applied. Deletion follows its transitions only, so an
   * unrelated change (a new secret) never undoes a delete or restore made through the data side.
   */
  deleted: boolean;
  /** keyIds that came from the identity half; other passwordCredentials (data side, live mode) are kept. */
  identityKeyIds: Set<string>;
}

export class IdentityMirror {
  private readonly apps = new Map<string, MirroredApp>();
  private seededOnce = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly ctx: GenContext,
  ) {}

  get seeded(): boolean {
    return this.seededOnce;
  }

  /** Object ids of an app's mirror (by client id). */
  objectsOf(clientId: string): { applicationId: string; servicePrincipalId: string } | undefined {
    const m = this.apps.get(clientId.toLowerCase());
    return m && { applicationId: m.applicationId, servicePrincipalId: m.servicePrincipalId };
  }

  /** First sync: the admin user (a Global Administrator) and every app, with no change entries. */
  seed(t: TenantIdentity): void {
    this.seededOnce = true;
    const admin = t.adminUser;
    if (!this.store.get(admin.id)) {
      const [given, ...rest] = admin.displayName.split(" ");
      const obj = newObject(this.store, this.ctx, "user", {
        displayName: admin.displayName,
        givenName: given ?? null,
        surname: rest.join(" ") || null,
        mail: admin.userPrincipalName,
      });
      this.store.insert(
        "user",
        {
          ...obj,
          userPrincipalName: admin.userPrincipalName,
          createdDateTime: iso(this.ctx.ref - 900 * DAY),
        },
        { silent: true, id: admin.id },
      );
      const gaIndex = ACTIVATED_ROLE_TEMPLATES.indexOf(GLOBAL_ADMIN_TEMPLATE);
      this.store.addMember(this.store.idAt("directoryRole", gaIndex), admin.id, { silent: true });
    }
    for (const app of t.apps) this.insertApp(app, true);
  }

  /** Brings an app's directory objects in line with its identity state (idempotent). */
  apply(app: SimApp): void {
    const m = this.apps.get(app.clientId.toLowerCase());
    if (!m) {
      this.insertApp(app, false);
      return;
    }
    if (app.deleted && !m.deleted) {
      // Update first: a soft-deleted object takes no updates until it is restored.
      this.update(app, m);
      this.softDelete(m);
    } else if (!app.deleted && m.deleted) {
      this.restore(m);
      this.update(app, m);
    } else {
      this.update(app, m);
    }
    m.deleted = app.deleted;
  }

  private insertApp(app: SimApp, silent: boolean): void {
    const appObj = newObject(this.store, this.ctx, "application", {
      displayName: app.displayName,
      appId: app.clientId,
      passwordCredentials: app.secrets.map((s) => this.credential(s)),
      signInAudience: "AzureADMultipleOrgs",
      web: {
        homePageUrl: null,
        implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false },
        logoutUrl: null,
        redirectUris: app.redirectUris,
        redirectUriSettings: [],
      },
    });
    appObj.requiredResourceAccess = requiredResourceAccess(app);
    const application = this.store.insert("application", appObj, { silent });
    const sp = this.store.insert(
      "servicePrincipal",
      newObject(this.store, this.ctx, "servicePrincipal", {
        displayName: app.displayName,
        appId: app.clientId,
      }),
      { silent },
    );
    const m: MirroredApp = {
      applicationId: application.id,
      servicePrincipalId: sp.id,
      deleted: false,
      identityKeyIds: new Set(app.secrets.map((s) => s.keyId)),
    };
    this.apps.set(app.clientId.toLowerCase(), m);
    this.syncAssignments(app, m, silent ? this.ctx.ref - 30 * DAY : Date.now());
    if (app.deleted) {
      this.softDelete(m);
      m.deleted = true;
    }
  }

  private update(app: SimApp, m: MirroredApp): void {
    if (this.store.getActive(m.applicationId, "application")) {
      for (const s of app.secrets) m.identityKeyIds.add(s.keyId);
      this.store.update(m.applicationId, {
        passwordCredentials: this.mergedCredentials(app, m),
        requiredResourceAccess: requiredResourceAccess(app),
      });
    }
    this.syncAssignments(app, m);
  }

  /**
   * Identity secrets replace their earlier mirrors in place (expiry), vanish when the identity drops
   * them (rotation) and are appended when new; credentials from elsewhere stay where they are.
   */
  private mergedCredentials(app: SimApp, m: MirroredApp): JsonObject[] {
    const current = this.store.get(m.applicationId)?.obj.passwordCredentials;
    const existing = Array.isArray(current) ? (current as JsonObject[]) : [];
    const wanted = new Map(app.secrets.map((s) => [s.keyId, s]));
    const out: JsonObject[] = [];
    for (const cred of existing) {
      const keyId = String(cred.keyId);
      const secret = wanted.get(keyId);
      if (secret) {
        out.push(this.credential(secret, cred.startDateTime));
        wanted.delete(keyId);
      } else if (!m.identityKeyIds.has(keyId)) out.push(cred);
    }
    for (const secret of wanted.values()) out.push(this.credential(secret));
    return out;
  }

  private credential(s: SimSecret, knownStart?: unknown): JsonObject {
    const start =
      s.startDateTime ?? (typeof knownStart === "string" ? knownStart : iso(this.ctx.ref - 30 * DAY));
    return {
      customKeyIdentifier: null,
      displayName: s.displayName ?? "Client secret",
      endDateTime: s.endDateTime,
      hint: s.value.slice(0, 3),
      keyId: s.keyId,
      secretText: null,
      startDateTime: start,
    };
  }

  /**
   * The service principal holds one Graph app-role assignment per granted application permission
   * the catalog models; revoked consent removes them all, as it does in Entra. Assignments that stay
   * keep their id and creation time.
   */
  private syncAssignments(app: SimApp, m: MirroredApp, createdMs = Date.now()): void {
    const spId = m.servicePrincipalId;
    const granted = app.consentRevoked ? [] : modelledRoles(app);
    const existing = this.store.extraAppRoleAssignments.get(spId) ?? [];
    const kept = existing.filter((a) => granted.some((r) => r.id === a.appRoleId));
    const created = iso(createdMs);
    const added = granted
      .filter((r) => !kept.some((a) => a.appRoleId === r.id))
      .map((r) => ({
        id: assignmentId(spId, r.id),
        deletedDateTime: null,
        appRoleId: r.id,
        createdDateTime: created,
        principalDisplayName: app.displayName,
        principalId: spId,
        principalType: "ServicePrincipal",
        resourceDisplayName: "Microsoft Graph",
        resourceId: this.store.idAt("servicePrincipal", 0),
      }));
    this.store.extraAppRoleAssignments.set(spId, [...kept, ...added]);
  }

  private softDelete(m: MirroredApp): void {
    if (this.store.getActive(m.applicationId)) this.store.softDelete(m.applicationId);
    if (this.store.getActive(m.servicePrincipalId)) this.store.softDelete(m.servicePrincipalId);
  }

  private restore(m: MirroredApp): void {
    for (const id of [m.applicationId, m.servicePrincipalId]) {
      if (this.store.get(id)?.state === "softDeleted") this.store.restore(id);
    }
  }
}

/** Application permissions the Graph app-role catalog knows (others have no role id to show). */
function modelledRoles(app: SimApp): GraphPermission[] {
  const wanted = new Set(app.applicationPermissions.map((p) => p.toLowerCase()));
  return GRAPH_APP_ROLES.filter((r) => wanted.has(r.value.toLowerCase()));
}

function requiredResourceAccess(app: SimApp): JsonObject[] {
  return [
    {
      resourceAppId: GRAPH_APP_ID,
      resourceAccess: modelledRoles(app).map((r) => ({ id: r.id, type: "Role" })),
    },
  ];
}

/** appRoleAssignment ids are 43-character base64url keys; one per (principal, role), stable. */
function assignmentId(principalId: string, appRoleId: string): string {
  return createHash("sha256").update(`${principalId}:${appRoleId}`).digest("base64url");
}
