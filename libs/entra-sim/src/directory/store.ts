import { type ChangeEntry, ChangeLog } from "./changelog.js";
import { applicationAt, grantAt, servicePrincipalAt } from "./generate/apps.js";
import type { GenContext } from "./generate/context.js";
import { administrativeUnitAt, contactAt, deviceAt } from "./generate/devices-contacts.js";
import { groupAt, groupExtras } from "./generate/groups.js";
import { type MemberRef, Relations } from "./generate/relations.js";
import { directoryRoleAt } from "./generate/roles.js";
import { userAt } from "./generate/users.js";
import { stableGuid } from "./hash.js";
import { asJson, type JsonObject, KINDS, type Kind } from "./kinds.js";

export type ObjectState = "active" | "softDeleted" | "hardDeleted";

export interface StoredObject {
  kind: Kind;
  id: string;
  obj: JsonObject;
  state: ObjectState;
}

/** An expected, user-facing failure of a store operation (mapped to 400/404 by the transports). */
export class StoreError extends Error {
  constructor(
    readonly code: "NotFound" | "BadRequest" | "Conflict",
    message: string,
  ) {
    super(message);
  }
}

/**
 * The tenant's directory objects: generated objects are a pure function of their index, and every
 * mutation lands in an overlay Map plus the append-only change log, so memory grows with the number
 * of changes, never with the tenant size.
 */
export class ObjectStore {
  readonly rel: Relations;
  readonly log = new ChangeLog();
  private readonly overlay = new Map<string, StoredObject>();
  private readonly mutated = new Map<Kind, Set<number>>();
  private readonly created = new Map<Kind, string[]>();
  private readonly activeDelta = new Map<Kind, number>();
  private readonly addedMembers = new Map<string, string[]>();
  private readonly removedMembers = new Map<string, Set<string>>();
  private readonly addedMemberOf = new Map<string, Set<string>>();
  /** Extra owners and app role assignments for objects created outside the generator. */
  readonly extraOwners = new Map<string, string[]>();
  readonly extraAppRoleAssignments = new Map<string, JsonObject[]>();
  private listeners: ((e: ChangeEntry, obj: StoredObject | undefined) => void)[] = [];
  private graphSpId: string;

  constructor(readonly ctx: GenContext) {
    this.rel = new Relations(ctx);
    for (const k of KINDS) {
      this.mutated.set(k, new Set());
      this.created.set(k, []);
      this.activeDelta.set(k, 0);
    }
    this.graphSpId = ctx.ids.encode("servicePrincipal", 0);
  }

  onChange(fn: (e: ChangeEntry, obj: StoredObject | undefined) => void): void {
    this.listeners.push(fn);
  }

  generated(kind: Kind): number {
    return this.ctx.counts[kind];
  }

  /** Upper bound of positions for listing: generated objects first, then created ones. */
  positions(kind: Kind): number {
    return this.generated(kind) + this.created.get(kind)!.length;
  }

  activeCount(kind: Kind): number {
    return this.generated(kind) + this.activeDelta.get(kind)!;
  }

  /** The active object at a listing position, or undefined when deleted (callers skip it). */
  atPosition(kind: Kind, pos: number): JsonObject | undefined {
    const gen = this.generated(kind);
    if (pos < gen) {
      if (!this.mutated.get(kind)!.has(pos)) return this.build(kind, pos);
      const o = this.overlay.get(this.ctx.ids.encode(kind, pos));
      return o?.state === "active" ? o.obj : undefined;
    }
    const id = this.created.get(kind)![pos - gen];
    const o = id === undefined ? undefined : this.overlay.get(id);
    return o?.state === "active" ? o.obj : undefined;
  }

  idAt(kind: Kind, index: number): string {
    return this.ctx.ids.encode(kind, index);
  }

  /** Any object by id, whatever its state. */
  get(id: string): StoredObject | undefined {
    const o = this.overlay.get(id);
    if (o) return o;
    const d = this.ctx.ids.decode(id);
    if (!d || d.index >= this.generated(d.kind)) return undefined;
    return { kind: d.kind, id, obj: this.build(d.kind, d.index), state: "active" };
  }

  getActive(id: string, kind?: Kind): StoredObject | undefined {
    const o = this.get(id);
    if (o?.state !== "active" || (kind && o.kind !== kind)) return undefined;
    return o;
  }

  /** The generator index of an untouched or mutated generated object, or -1 for created objects. */
  generatedIndex(id: string): number {
    const d = this.ctx.ids.decode(id);
    return d && d.index < this.generated(d.kind) ? d.index : -1;
  }

  /**
   * A user by userPrincipalName without an index: generated UPNs end in their index before the
   * domain (or before the guest suffix); changed and created users are in the overlay.
   */
  findUserByUpn(upn: string): StoredObject | undefined {
    const want = upn.toLowerCase();
    const m = /(\d+)(?:_[^@]*#ext#)?@/i.exec(upn);
    if (m) {
      const idx = Number(m[1]);
      if (idx < this.generated("user")) {
        const o = this.getActive(this.idAt("user", idx));
        if (o && String(o.obj.userPrincipalName).toLowerCase() === want) return o;
      }
    }
    for (const o of this.overlay.values()) {
      if (o.kind === "user" && o.state === "active" && String(o.obj.userPrincipalName).toLowerCase() === want)
        return o;
    }
    return undefined;
  }

  softDeleted(kind: Kind): StoredObject[] {
    return [...this.overlay.values()].filter((o) => o.kind === kind && o.state === "softDeleted");
  }

  build(kind: Kind, index: number): JsonObject {
    const c = this.ctx;
    switch (kind) {
      case "user":
        return asJson(userAt(c, index));
      case "group":
        return { ...asJson(groupAt(c, index)), ...groupExtras(index) };
      case "application":
        return asJson(applicationAt(c, index));
      case "servicePrincipal":
        return asJson(servicePrincipalAt(c, index));
      case "directoryRole":
        return asJson(directoryRoleAt(c, index));
      case "administrativeUnit":
        return asJson(administrativeUnitAt(c, index));
      case "oauth2PermissionGrant":
        return asJson(grantAt(c, index, this.graphSpId, (u) => c.ids.encode("user", u)));
      case "orgContact":
        return asJson(contactAt(c, index));
      case "device":
        return asJson(deviceAt(c, index));
    }
  }

  // ---- mutations -------------------------------------------------------------------------------

  /** Adds an object; `silent` objects (mirrored from the identity half) produce no change entry. */
  insert(kind: Kind, obj: JsonObject, opts: { silent?: boolean; id?: string } = {}): StoredObject {
    const list = this.created.get(kind)!;
    const id =
      opts.id ??
      (typeof obj.id === "string" && obj.id ? obj.id : this.idAt(kind, this.generated(kind) + list.length));
    if (this.get(id)) throw new StoreError("Conflict", `An object with id '${id}' already exists.`);
    const stored: StoredObject = { kind, id, obj: { ...obj, id }, state: "active" };
    this.overlay.set(id, stored);
    list.push(id);
    this.bumpActive(kind, 1);
    if (!opts.silent) this.record({ kind, id, type: "created" }, stored);
    return stored;
  }

  /** A fresh id for the next created object of a kind (deterministic per tenant). */
  nextId(kind: Kind): string {
    return this.idAt(kind, this.positions(kind));
  }

  newGuid(salt: number): string {
    return stableGuid(this.ctx.seed, 0xc4ea7e, this.log.seq, salt);
  }

  update(id: string, props: JsonObject): StoredObject {
    const o = this.materialise(id);
    if (o.state !== "active")
      throw new StoreError(
        "NotFound",
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    const changed = Object.keys(props).filter((k) => JSON.stringify(o.obj[k]) !== JSON.stringify(props[k]));
    Object.assign(o.obj, props);
    if (changed.length > 0) this.record({ kind: o.kind, id, type: "updated", props: changed }, o);
    return o;
  }

  softDelete(id: string): StoredObject {
    const o = this.materialise(id);
    if (o.state !== "active")
      throw new StoreError(
        "NotFound",
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    if (
      o.kind === "oauth2PermissionGrant" ||
      o.kind === "directoryRole" ||
      o.kind === "orgContact" ||
      o.kind === "device"
    ) {
      // These kinds have no recycle bin in Entra: deletion is permanent.
      return this.hardDelete(id);
    }
    const containers = this.memberOf(id);
    o.state = "softDeleted";
    o.obj.deletedDateTime = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    this.bumpActive(o.kind, -1);
    this.record({ kind: o.kind, id, type: "softDeleted" }, o);
    this.recordMemberships(o, containers, "memberRemoved");
    return o;
  }

  hardDelete(id: string): StoredObject {
    const o = this.materialise(id);
    if (o.state === "hardDeleted")
      throw new StoreError(
        "NotFound",
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    // A soft-deleted object already left its groups; only an active one leaves them now.
    const containers = o.state === "active" ? this.memberOf(id) : [];
    if (o.state === "active") this.bumpActive(o.kind, -1);
    o.state = "hardDeleted";
    this.record({ kind: o.kind, id, type: "hardDeleted" }, o);
    this.recordMemberships(o, containers, "memberRemoved");
    return o;
  }

  restore(id: string): StoredObject {
    const o = this.overlay.get(id);
    if (o?.state !== "softDeleted")
      throw new StoreError("NotFound", `Resource '${id}' does not exist in deleted items.`);
    o.state = "active";
    o.obj.deletedDateTime = null;
    this.bumpActive(o.kind, 1);
    this.record({ kind: o.kind, id, type: "restored" }, o);
    this.recordMemberships(o, this.memberOf(id), "memberAdded");
    return o;
  }

  addMember(containerId: string, memberId: string, opts: { silent?: boolean } = {}): void {
    const c = this.getActive(containerId);
    if (!c || !isContainer(c.kind))
      throw new StoreError(
        "NotFound",
        `Resource '${containerId}' does not exist or one of its queried reference-property objects are not present.`,
      );
    const m = this.getActive(memberId);
    if (!m)
      throw new StoreError(
        "NotFound",
        `Resource '${memberId}' does not exist or one of its queried reference-property objects are not present.`,
      );
    if (this.memberIds(containerId).includes(memberId)) {
      throw new StoreError(
        "BadRequest",
        "One or more added object references already exist for the following modified properties: 'members'.",
      );
    }
    const removed = this.removedMembers.get(containerId);
    if (removed?.has(memberId)) removed.delete(memberId);
    else {
      this.addedMembers.set(containerId, [...(this.addedMembers.get(containerId) ?? []), memberId]);
      const of = this.addedMemberOf.get(memberId) ?? new Set<string>();
      of.add(containerId);
      this.addedMemberOf.set(memberId, of);
    }
    if (!opts.silent)
      this.record({ kind: c.kind, id: containerId, type: "memberAdded", memberId, memberKind: m.kind }, c);
  }

  removeMember(containerId: string, memberId: string): void {
    const c = this.getActive(containerId);
    if (!c || !isContainer(c.kind))
      throw new StoreError(
        "NotFound",
        `Resource '${containerId}' does not exist or one of its queried reference-property objects are not present.`,
      );
    if (!this.memberIds(containerId).includes(memberId)) {
      throw new StoreError(
        "NotFound",
        `Resource '${memberId}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    const added = this.addedMembers.get(containerId);
    if (added?.includes(memberId)) {
      this.addedMembers.set(
        containerId,
        added.filter((x) => x !== memberId),
      );
      this.addedMemberOf.get(memberId)?.delete(containerId);
    } else {
      const removed = this.removedMembers.get(containerId) ?? new Set<string>();
      removed.add(memberId);
      this.removedMembers.set(containerId, removed);
    }
    const kind = this.get(memberId)?.kind ?? "user";
    this.record({ kind: c.kind, id: containerId, type: "memberRemoved", memberId, memberKind: kind }, c);
  }

  // ---- relationships ---------------------------------------------------------------------------

  private refId(r: MemberRef): string {
    return this.idAt(r.kind, r.index);
  }

  /** Current direct member ids of a group, directory role or administrative unit (active members only). */
  memberIds(containerId: string): string[] {
    const c = this.get(containerId);
    if (!c || !isContainer(c.kind)) return [];
    const idx = this.generatedIndex(containerId);
    let base: string[] = [];
    if (idx >= 0) {
      if (c.kind === "group") base = this.rel.membersOfGroup(idx).map((r) => this.refId(r));
      else if (c.kind === "directoryRole")
        base = (this.rel.roles.members[idx] ?? []).map((r) => this.refId(r));
      else base = this.rel.auMembers(idx).map((u) => this.idAt("user", u));
    }
    const removed = this.removedMembers.get(containerId);
    const all = [...base.filter((id) => !removed?.has(id)), ...(this.addedMembers.get(containerId) ?? [])];
    return all.filter((id) => this.getActive(id) !== undefined);
  }

  members(containerId: string): StoredObject[] {
    return this.memberIds(containerId).map((id) => this.getActive(id)!);
  }

  /** Groups, directory roles and administrative units the object is a direct member of. */
  memberOf(memberId: string): StoredObject[] {
    const m = this.get(memberId);
    if (!m) return [];
    const idx = this.generatedIndex(memberId);
    const out: string[] = [];
    if (idx >= 0) {
      const roles = this.rel.roles;
      if (m.kind === "user") {
        out.push(...this.rel.groupsOfUser(idx).map((g) => this.idAt("group", g)));
        out.push(...(roles.rolesOfUser.get(idx) ?? []).map((r) => this.idAt("directoryRole", r)));
        const n = this.generated("administrativeUnit");
        if (n > 0 && Math.floor(idx / n) < 25) out.push(this.idAt("administrativeUnit", idx % n));
      } else if (m.kind === "group") {
        const p = this.rel.nestedParent(idx);
        if (p >= 0) out.push(this.idAt("group", p));
        out.push(...(roles.rolesOfGroup.get(idx) ?? []).map((r) => this.idAt("directoryRole", r)));
      } else if (m.kind === "servicePrincipal") {
        out.push(...(roles.rolesOfSp.get(idx) ?? []).map((r) => this.idAt("directoryRole", r)));
      }
    }
    const filtered = out.filter((c) => !this.removedMembers.get(c)?.has(memberId));
    for (const c of this.addedMemberOf.get(memberId) ?? []) if (!filtered.includes(c)) filtered.push(c);
    return filtered.map((id) => this.getActive(id)).filter((o): o is StoredObject => o !== undefined);
  }

  /** Members of a group, recursively through nested groups (each object once). */
  transitiveMembers(groupId: string): StoredObject[] {
    const seen = new Set<string>([groupId]);
    const out: StoredObject[] = [];
    const queue = [groupId];
    while (queue.length > 0 && out.length < 100_000) {
      const g = queue.shift()!;
      for (const m of this.members(g)) {
        if (seen.has(m.id)) continue;
        seen.add(m.id);
        out.push(m);
        if (m.kind === "group") queue.push(m.id);
      }
    }
    return out;
  }

  transitiveMemberOf(memberId: string): StoredObject[] {
    const seen = new Set<string>([memberId]);
    const out: StoredObject[] = [];
    const queue = [memberId];
    while (queue.length > 0 && out.length < 10_000) {
      const cur = queue.shift()!;
      for (const c of this.memberOf(cur)) {
        if (seen.has(c.id)) continue;
        seen.add(c.id);
        out.push(c);
        if (c.kind === "group") queue.push(c.id);
      }
    }
    return out;
  }

  owners(id: string): StoredObject[] {
    const o = this.get(id);
    if (!o) return [];
    const idx = this.generatedIndex(id);
    let users: number[] = [];
    if (idx >= 0) {
      if (o.kind === "group") users = this.rel.groupOwners(idx);
      else if (o.kind === "application") users = this.rel.appOwners(idx);
      else if (o.kind === "servicePrincipal") {
        const local = idx - this.ctx.counts.firstPartySps;
        if (local >= 0 && local < this.ctx.counts.application) users = this.rel.appOwners(local);
      }
    }
    const ids = [...users.map((u) => this.idAt("user", u)), ...(this.extraOwners.get(id) ?? [])];
    return [...new Set(ids)].map((x) => this.getActive(x)).filter((x): x is StoredObject => x !== undefined);
  }

  manager(userId: string): StoredObject | undefined {
    const idx = this.generatedIndex(userId);
    const o = this.get(userId);
    if (o?.kind !== "user" || idx < 0) return undefined;
    const m = this.rel.manager(idx);
    return m < 0 ? undefined : this.getActive(this.idAt("user", m));
  }

  // ---- internals -------------------------------------------------------------------------------

  /** Moves a generated object into the overlay so it can be changed. */
  private materialise(id: string): StoredObject {
    const existing = this.overlay.get(id);
    if (existing) return existing;
    const d = this.ctx.ids.decode(id);
    if (!d || d.index >= this.generated(d.kind)) {
      throw new StoreError(
        "NotFound",
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    const stored: StoredObject = { kind: d.kind, id, obj: this.build(d.kind, d.index), state: "active" };
    this.overlay.set(id, stored);
    this.mutated.get(d.kind)!.add(d.index);
    return stored;
  }

  private bumpActive(kind: Kind, by: number): void {
    this.activeDelta.set(kind, this.activeDelta.get(kind)! + by);
  }

  /**
   * A deleted object drops out of every group, role and administrative unit it was in, and a
   * restored one is back in them (the membership edges themselves are kept): one entry per
   * container, so a delta round with `members` selected reports each removal and re-addition.
   */
  private recordMemberships(
    member: StoredObject,
    containers: StoredObject[],
    type: "memberAdded" | "memberRemoved",
  ): void {
    for (const c of containers) {
      this.record(
        { kind: c.kind, id: c.id, type, memberId: member.id, memberKind: member.kind, cascade: true },
        c,
      );
    }
  }

  private record(e: Omit<ChangeEntry, "seq" | "at">, obj: StoredObject | undefined): void {
    const entry = this.log.append(e);
    for (const fn of this.listeners) fn(entry, obj);
  }
}

export function isContainer(kind: Kind): boolean {
  return kind === "group" || kind === "directoryRole" || kind === "administrativeUnit";
}
