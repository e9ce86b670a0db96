import { randomBytes } from "node:crypto";
import type { IdentityPort, SimAppChange, TenantLicences } from "../types.js";
import type { ChangeEntry } from "./changelog.js";
import { newObject, validateProps } from "./factory.js";
import { createContext, type DirectorySizes, type GenContext, iso } from "./generate/context.js";
import { auditAt, signInAt } from "./generate/logs.js";
import { hash4, prng } from "./hash.js";
import { IdentityMirror } from "./identity-mirror.js";
import type { JsonObject, Kind } from "./kinds.js";
import { LiveMode } from "./live.js";
import { LogBook } from "./log-book.js";
import { computeStats, type DirectoryStats } from "./stats.js";
import { ObjectStore, type StoredObject, StoreError } from "./store.js";
import { TenantData } from "./tenant-data.js";

export interface DeltaSettings {
  /** Repeat the tail of the previous page at the start of the next one (Graph's "replays"). */
  replays: boolean;
  /** Tokens older than this answer syncStateNotFound (Graph: 7 days for directory objects). */
  tokenMaxAgeMs: number;
  /** Bumped by the resync switch: tokens from an older epoch answer 410 Gone with a Location. */
  resyncEpoch: number;
  /** Bumped by the expire switch: tokens from an older epoch answer syncStateNotFound. */
  expiryEpoch: number;
}

export interface CreateDirectoryOptions {
  tenantId: string;
  tenantName: string;
  initialDomain: string;
  seed: number;
  sizes: DirectorySizes;
  identity: IdentityPort;
  /** Generated timestamps are relative to this instant (default: start of the current UTC day). */
  referenceTime?: number;
}

const NO_LICENCES: TenantLicences = { p1: false, p2: false, intune: false };

/** One tenant's directory: generated objects, mutations, change log, tenant-level data and live mode. */
export class Directory {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly initialDomain: string;
  readonly ctx: GenContext;
  readonly store: ObjectStore;
  readonly data: TenantData;
  readonly delta: DeltaSettings = {
    replays: false,
    tokenMaxAgeMs: 7 * 86_400_000,
    resyncEpoch: 0,
    expiryEpoch: 0,
  };
  /** Directory audit entries written after the generated history (mutations, /_sim/ additions). */
  readonly audits = new LogBook();
  /** Sign-ins written after the generated history (/_sim/ additions). */
  readonly signIns = new LogBook();
  private readonly live: LiveMode;
  private readonly mirror: IdentityMirror;
  private readonly unsubscribeIdentity: (() => void) | undefined;
  private statsCache: { seq: number; stats: DirectoryStats } | undefined;

  constructor(
    opts: CreateDirectoryOptions,
    private readonly identity: IdentityPort,
  ) {
    this.tenantId = opts.tenantId;
    this.tenantName = opts.tenantName;
    this.initialDomain = opts.initialDomain;
    this.ctx = createContext(opts);
    this.store = new ObjectStore(this.ctx);
    this.data = new TenantData(this.ctx, this.store);
    this.live = new LiveMode(this, prng(hash4(this.ctx.seed, 0x11fe)));
    this.store.onChange((e, o) => this.audit(e, o));
    this.mirror = new IdentityMirror(this.store, this.ctx);
    this.unsubscribeIdentity = identity.onAppChange?.((change) => this.onAppChange(change));
    this.syncIdentity();
  }

  licences(): TenantLicences {
    return this.identity.tenant(this.tenantId)?.licences ?? NO_LICENCES;
  }

  stats(): DirectoryStats {
    this.syncIdentity();
    if (this.statsCache?.seq === this.store.log.seq) return this.statsCache.stats;
    const stats = computeStats(this);
    this.statsCache = { seq: this.store.log.seq, stats };
    return stats;
  }

  startLive(changesPerMinute: number): void {
    this.live.start(changesPerMinute);
  }

  stopLive(): void {
    this.live.stop();
  }

  liveStatus(): { enabled: boolean; changesPerMinute: number; changesMade: number } {
    return this.live.status();
  }

  stop(): void {
    this.live.stop();
    this.unsubscribeIdentity?.();
  }

  // ---- mutations used by the control API and live mode -------------------------------------------

  create(kind: Kind, props: JsonObject): StoredObject {
    this.syncIdentity();
    const obj = newObject(this.store, this.ctx, kind, props);
    return this.store.insert(kind, obj);
  }

  /** Updates properties after checking their names and JSON types against the kind. */
  updateChecked(id: string, props: JsonObject): StoredObject {
    const o = this.store.get(id);
    if (!o || o.state === "hardDeleted") {
      throw new StoreError(
        "NotFound",
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    validateProps(this.store, o.kind, props);
    return this.store.update(id, props);
  }

  /** Makes one live-mode change now (tests and the control API's `tick`). */
  liveTick(): void {
    this.live.tick();
  }

  /** Adds a password credential to an application (or service principal); returns it with secretText once. */
  addSecret(id: string, opts: { displayName?: string; endDateTime?: string }): JsonObject {
    const o = this.store.getActive(id);
    if (!o || (o.kind !== "application" && o.kind !== "servicePrincipal")) {
      throw new StoreError(
        "NotFound",
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    const now = Date.now();
    const secretText = randomBytes(30).toString("base64url").slice(0, 40);
    const cred = {
      customKeyIdentifier: null,
      displayName: opts.displayName ?? "Rotated secret",
      endDateTime: opts.endDateTime ?? iso(now + 180 * 86_400_000),
      hint: secretText.slice(0, 3),
      keyId: this.store.newGuid(7),
      secretText: null,
      startDateTime: iso(now),
    };
    const existing = Array.isArray(o.obj.passwordCredentials) ? (o.obj.passwordCredentials as unknown[]) : [];
    this.store.update(id, { passwordCredentials: [...existing, cred] });
    return { ...cred, secretText };
  }

  /**
   * First sync of the identity half's admin user and apps (once; the constructor tries, Graph
   * requests retry while the identity tenant is missing). Later app changes arrive through
   * `IdentityPort.onAppChange` and are applied as normal mutations.
   */
  syncIdentity(): void {
    if (this.mirror.seeded) return;
    const t = this.identity.tenant(this.tenantId);
    if (t) this.mirror.seed(t);
  }

  /** Directory object ids mirroring an identity app (by client id), if it is mirrored here. */
  mirroredApp(clientId: string): { applicationId: string; servicePrincipalId: string } | undefined {
    this.syncIdentity();
    return this.mirror.objectsOf(clientId);
  }

  private onAppChange(change: SimAppChange): void {
    if (change.tenantId.toLowerCase() !== this.tenantId.toLowerCase()) return;
    // Before the first sync there is nothing to update: seeding reads the current state.
    if (!this.mirror.seeded) this.syncIdentity();
    else this.mirror.apply(change.app);
  }

  private audit(e: ChangeEntry, o: StoredObject | undefined): void {
    // Membership entries that follow a member's deletion or restore are part of that one operation.
    if (e.cascade) return;
    const names: Record<string, string> = {
      "user:created": "Add user",
      "user:updated": "Update user",
      "user:softDeleted": "Delete user",
      "user:hardDeleted": "Hard Delete user",
      "user:restored": "Restore user",
      "group:memberAdded": "Add member to group",
      "group:memberRemoved": "Remove member from group",
      "directoryRole:memberAdded": "Add member to role",
      "directoryRole:memberRemoved": "Remove member from role",
      "application:updated": "Update application – Certificates and secrets management ",
    };
    const secretsOnly =
      e.kind === "application" &&
      e.type === "updated" &&
      (e.props ?? []).every((p) => p === "passwordCredentials" || p === "keyCredentials");
    const name =
      e.kind === "application" && e.type === "updated" && !secretsOnly
        ? "Update application"
        : (names[`${e.kind}:${e.type}`] ?? `${e.type[0]!.toUpperCase()}${e.type.slice(1)} ${e.kind}`);
    const category =
      e.kind === "user"
        ? "UserManagement"
        : e.kind === "group"
          ? "GroupManagement"
          : e.kind === "directoryRole"
            ? "RoleManagement"
            : "ApplicationManagement";
    const display = typeof o?.obj.displayName === "string" ? o.obj.displayName : null;
    const activityDateTime = e.at.replace(/\.\d{3}Z$/, "Z");
    this.audits.add(
      {
        id: `Directory_${this.store.newGuid(11)}_${e.seq}`,
        activityDateTime,
        activityDisplayName: name,
        additionalDetails: [],
        category,
        correlationId: this.store.newGuid(12),
        initiatedBy: {
          app: {
            appId: null,
            displayName: "Tenantlens simulator",
            servicePrincipalId: null,
            servicePrincipalName: null,
          },
          user: null,
        },
        loggedByService: "Core Directory",
        operationType: e.type === "created" ? "Add" : e.type.endsWith("Deleted") ? "Delete" : "Update",
        result: "success",
        resultReason: "",
        targetResources: [
          {
            displayName: display,
            groupType: null,
            id: e.id,
            modifiedProperties: (e.props ?? []).map((p) => ({
              displayName: p,
              newValue: null,
              oldValue: null,
            })),
            type:
              e.kind === "user"
                ? "User"
                : e.kind === "group"
                  ? "Group"
                  : e.kind === "application"
                    ? "Application"
                    : "Other",
            userPrincipalName: typeof o?.obj.userPrincipalName === "string" ? o.obj.userPrincipalName : null,
          },
        ],
      },
      Date.parse(activityDateTime),
    );
  }

  /**
   * New log entries at `at` (ms; now when absent), shaped like the generated ones: a time before
   * entries already listed makes a late arrival. Returns them as Graph lists them.
   */
  addLogEntries(log: "directoryAudits" | "signIns", count: number, at?: number): JsonObject[] {
    const time = at ?? Date.now();
    const stamp = new Date(time).toISOString();
    const out: JsonObject[] = [];
    const first = (log === "directoryAudits" ? this.audits : this.signIns).size;
    for (let k = 0; k < count; k++) {
      const n = first + k;
      if (log === "directoryAudits") {
        const base = auditAt(this.ctx, n) as unknown as JsonObject;
        const e = {
          ...base,
          id: `Directory_${this.store.newGuid(0x10000 + n)}_sim${n}`,
          activityDateTime: stamp,
        };
        this.audits.add(e, time);
        out.push(e);
      } else {
        const base = signInAt(this.ctx, n) as unknown as JsonObject;
        const e = { ...base, id: this.store.newGuid(0x20000 + n), createdDateTime: stamp };
        this.signIns.add(e, time);
        out.push(e);
      }
    }
    return out;
  }
}

export function createDirectory(opts: CreateDirectoryOptions): Directory {
  return new Directory(opts, opts.identity);
}

/** All simulated tenants, by tenant id. */
export class DirectoryRegistry {
  private readonly byTenant = new Map<string, Directory>();

  add(d: Directory): void {
    this.byTenant.set(d.tenantId, d);
  }

  get(tenantId: string): Directory | undefined {
    return this.byTenant.get(tenantId);
  }

  all(): Directory[] {
    return [...this.byTenant.values()];
  }
}
