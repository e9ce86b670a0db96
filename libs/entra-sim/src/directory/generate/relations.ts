import { hash4, unit } from "../hash.js";
import {
  ACTIVATED_ROLE_TEMPLATES,
  GRAPH_APP_ROLES,
  type GraphPermission,
  ROLE_TEMPLATES,
} from "./catalog.js";
import type { GenContext } from "./context.js";
import { userTraits } from "./users.js";

/**
 * Generated relationships as invertible arithmetic, so both directions (group → members, user →
 * memberOf) are computed on demand for any tenant size without storing edges.
 */

export type MemberRef = { kind: "user" | "group" | "servicePrincipal"; index: number };

const REL = 0x7e1;
const SLOT_PROBABILITY = [0.85, 0.45, 0.2] as const;

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}

function modInverse(a: number, m: number): number {
  let [oldR, r] = [a, m];
  let [oldS, s] = [1, 0];
  while (r !== 0) {
    const q = Math.floor(oldR / r);
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

export interface RolePlan {
  /** Members of each activated role (index = position in ACTIVATED_ROLE_TEMPLATES). */
  members: MemberRef[][];
  /** PIM eligible assignments: role template id and user index. */
  eligible: { templateId: string; user: number }[];
  /** user index → activated role indices. */
  rolesOfUser: Map<number, number[]>;
  rolesOfGroup: Map<number, number[]>;
  rolesOfSp: Map<number, number[]>;
}

export class Relations {
  private readonly mult: number[] = [];
  private readonly inv: number[] = [];
  private readonly off: number[] = [];
  readonly roles: RolePlan;

  constructor(private readonly ctx: GenContext) {
    const G = ctx.counts.group;
    for (let j = 0; j < SLOT_PROBABILITY.length; j++) {
      if (G === 0) break;
      let a = 1 + (hash4(ctx.seed, REL, j, 1) % G);
      while (gcd(a, G) !== 1) a = (a % G) + 1;
      this.mult.push(a);
      this.inv.push(G === 1 ? 0 : modInverse(a, G));
      this.off.push(hash4(ctx.seed, REL, j, 2) % G);
    }
    this.roles = this.planRoles();
  }

  private inSlot(u: number, j: number): boolean {
    return unit(this.ctx.seed, REL, u, 10 + j) < SLOT_PROBABILITY[j]!;
  }

  private slotGroup(u: number, j: number): number {
    const G = this.ctx.counts.group;
    return (((this.mult[j]! * u) % G) + this.off[j]!) % G;
  }

  /** Generated groups user u belongs to directly. */
  groupsOfUser(u: number): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.mult.length; j++) {
      if (!this.inSlot(u, j)) continue;
      const g = this.slotGroup(u, j);
      if (!out.includes(g)) out.push(g);
    }
    return out;
  }

  isUserInGroup(u: number, g: number): boolean {
    return this.groupsOfUser(u).includes(g);
  }

  /** Generated direct members of group g: users (by slot arithmetic) then a nested group. */
  membersOfGroup(g: number): MemberRef[] {
    const { group: G, user: U } = this.ctx.counts;
    const out: MemberRef[] = [];
    const seen = new Set<number>();
    for (let j = 0; j < this.mult.length; j++) {
      const u0 = G === 1 ? 0 : (this.inv[j]! * ((g - this.off[j]! + G) % G)) % G;
      for (let u = u0; u < U; u += G) {
        if (!this.inSlot(u, j) || seen.has(u)) continue;
        seen.add(u);
        out.push({ kind: "user", index: u });
      }
    }
    const child = this.nestedChild(g);
    if (child >= 0) out.push({ kind: "group", index: child });
    return out;
  }

  /** Every seventh group nests the next one, giving transitive membership to explore. */
  nestedChild(g: number): number {
    return g % 7 === 6 && g + 1 < this.ctx.counts.group ? g + 1 : -1;
  }

  nestedParent(g: number): number {
    return g > 0 && g % 7 === 0 ? g - 1 : -1;
  }

  groupOwners(g: number): number[] {
    const U = this.ctx.counts.user;
    if (U === 0) return [];
    const n =
      g % 10 === 0 ? 1 + (hash4(this.ctx.seed, REL, g, 30) % 2) : hash4(this.ctx.seed, REL, g, 30) % 3;
    return uniq(Array.from({ length: n }, (_, k) => hash4(this.ctx.seed, REL, g, 31 + k) % U));
  }

  appOwners(a: number): number[] {
    const U = this.ctx.counts.user;
    if (U === 0) return [];
    const n = hash4(this.ctx.seed, REL, a, 40) % 3;
    return uniq(Array.from({ length: n }, (_, k) => hash4(this.ctx.seed, REL, a, 41 + k) % U));
  }

  manager(u: number): number {
    if (u === 0 || u >= this.ctx.counts.user) return -1;
    if (userTraits(this.ctx, u).guest) return -1;
    const m = u < 8 ? 0 : Math.floor(u / 8);
    return userTraits(this.ctx, m).guest ? 0 : m;
  }

  /** Users assigned to own application a's service principal (default access). */
  appRoleUsers(a: number): number[] {
    const { application: A, user: U } = this.ctx.counts;
    const k = hash4(this.ctx.seed, REL, a, 50) % 4;
    const out: number[] = [];
    for (let j = 0; j < k; j++) if (a + j * A < U) out.push(a + j * A);
    return out;
  }

  /** The own application whose service principal user u is assigned to, or -1. */
  userAppAssignment(u: number): number {
    const A = this.ctx.counts.application;
    if (A === 0) return -1;
    const a = u % A;
    const j = Math.floor(u / A);
    return j < hash4(this.ctx.seed, REL, a, 50) % 4 ? a : -1;
  }

  /** Microsoft Graph application permissions granted to service principal index s. */
  spGraphRoles(s: number): GraphPermission[] {
    if (s < this.ctx.counts.firstPartySps) return [];
    const k = hash4(this.ctx.seed, REL, s, 60) % 4;
    const out: GraphPermission[] = [];
    for (let i = 0; i < k; i++) {
      const p = GRAPH_APP_ROLES[hash4(this.ctx.seed, REL, s, 61 + i) % GRAPH_APP_ROLES.length]!;
      if (!out.includes(p)) out.push(p);
    }
    return out;
  }

  auMembers(au: number): number[] {
    const { administrativeUnit: n, user: U } = this.ctx.counts;
    const out: number[] = [];
    for (let t = 0; t < 25 && au + t * n < U; t++) out.push(au + t * n);
    return out;
  }

  private planRoles(): RolePlan {
    const { seed, counts } = this.ctx;
    const U = counts.user;
    const pickUsers = (r: number, n: number): MemberRef[] =>
      U === 0
        ? []
        : Array.from({ length: n }, (_, k) => ({
            kind: "user" as const,
            index: hash4(seed, REL, 100 + r, k) % U,
          }));
    let firstGuest = -1;
    for (let u = 3; u < Math.min(U, 3000); u++) {
      if (userTraits(this.ctx, u).guest) {
        firstGuest = u;
        break;
      }
    }
    const ownSp = counts.application > 0 ? counts.firstPartySps : -1;
    const mi = counts.firstPartySps + counts.application + counts.thirdPartySps;
    const thirdParty = counts.firstPartySps + counts.application;
    const members: MemberRef[][] = ACTIVATED_ROLE_TEMPLATES.map((_, r) => {
      switch (r) {
        case 0: {
          const base: MemberRef[] = U === 0 ? [] : [{ kind: "user", index: 0 }];
          if (U > 1) base.push({ kind: "user", index: 1 });
          base.push(...pickUsers(r, Math.min(6, Math.floor(U / 20000))));
          if (firstGuest >= 0 && U > 20) base.push({ kind: "user", index: firstGuest });
          return base;
        }
        case 1:
          return [...pickUsers(r, 1), ...(counts.group > 1 ? [{ kind: "group" as const, index: 1 }] : [])];
        case 3:
          return [
            ...pickUsers(r, 1),
            ...(ownSp >= 0 ? [{ kind: "servicePrincipal" as const, index: ownSp }] : []),
          ];
        case 7:
          return [...pickUsers(r, 1), { kind: "servicePrincipal" as const, index: mi }];
        case 9:
          return [...pickUsers(r, 1), { kind: "servicePrincipal" as const, index: thirdParty }];
        case 4:
        case 5:
          return pickUsers(r, 2);
        default:
          return pickUsers(r, 1 + (hash4(seed, REL, 200, r) % 2));
      }
    }).map(dedupeRefs);
    const privileged = ROLE_TEMPLATES.filter((t) => t.privileged);
    const eligibleCount = U === 0 ? 0 : Math.min(20, 3 + Math.floor(U / 10000));
    const eligible = Array.from({ length: eligibleCount }, (_, k) => ({
      templateId: privileged[hash4(seed, REL, 300, k) % privileged.length]!.id,
      user: hash4(seed, REL, 301, k) % U,
    }));
    const rolesOfUser = new Map<number, number[]>();
    const rolesOfGroup = new Map<number, number[]>();
    const rolesOfSp = new Map<number, number[]>();
    members.forEach((list, r) => {
      for (const m of list) {
        const map = m.kind === "user" ? rolesOfUser : m.kind === "group" ? rolesOfGroup : rolesOfSp;
        const cur = map.get(m.index) ?? [];
        cur.push(r);
        map.set(m.index, cur);
      }
    });
    return { members, eligible, rolesOfUser, rolesOfGroup, rolesOfSp };
  }
}

function uniq(xs: number[]): number[] {
  return [...new Set(xs)];
}

function dedupeRefs(list: MemberRef[]): MemberRef[] {
  const seen = new Set<string>();
  return list.filter((m) => {
    const k = `${m.kind}:${m.index}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
