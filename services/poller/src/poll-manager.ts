import { randomBytes } from "node:crypto";
import { AppError, type Integration } from "@tenantlens/contracts";
import { catalog, type ResourceDef, resourceByName } from "@tenantlens/graph";

export type PollReason = "manual" | "schedule" | "integration_created" | "integration_changed";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

export function newPollId(): string {
  let out = "";
  for (const b of randomBytes(20)) out += BASE32[b & 31];
  return `poll_${out}`;
}

/**
 * Catalog resources named in the request (all the deployment collects when absent), in catalog
 * order. A resource and those derived from it are read together (one delta read carries both), so
 * naming one brings the other. `collected` (from `collectedResources`) limits what may be read.
 */
export function selectResources(names: string[] | undefined, collected?: ReadonlySet<string>): ResourceDef[] {
  if (!names || names.length === 0) return catalog.filter((r) => !collected || collected.has(r.name));
  const unknown = names.filter((n) => !catalog.some((r) => r.name === n));
  if (unknown.length > 0) {
    throw new AppError(
      "bad_request",
      `unknown resource(s): ${unknown.join(", ")}; known: ${catalog.map((r) => r.name).join(", ")}`,
    );
  }
  const excluded = collected ? names.filter((n) => !collected.has(n)) : [];
  if (excluded.length > 0) {
    throw new AppError(
      "bad_request",
      `resource(s) not collected by this deployment (POLL_RESOURCES): ${excluded.join(", ")}`,
    );
  }
  return withDerived(names);
}

/** The configured resource list with the resources read together with them; undefined = all. */
export function collectedResources(names: readonly string[]): ReadonlySet<string> | undefined {
  return names.length === 0 ? undefined : new Set(withDerived(names).map((r) => r.name));
}

function withDerived(names: readonly string[]): ResourceDef[] {
  const wanted = new Set(names);
  for (const r of catalog) {
    if (r.derived && (wanted.has(r.name) || wanted.has(r.derived.from))) {
      wanted.add(r.name);
      wanted.add(r.derived.from);
    }
  }
  return catalog.filter((r) => wanted.has(r.name));
}

export function pollable(i: Integration): boolean {
  return i.enabled && i.status === "active" && i.tenantId !== null;
}

/**
 * The order a poll's resources are taken up in: the longest page chains first, so that the last
 * resource to start is a short one and the poll ends close to its longest read. Per-parent reads
 * of directory collections (a `$batch` per 20 groups, applications or service principals) come
 * first, then the lists of one row per user or device read in full (`scalesWithTenant`: reports
 * Graph pages by 100) and the delta collections (the directory's large lists), then the other
 * per-parent reads (teams, access reviews: their parents are few), then logs, then the rest
 * (policies, settings, small reports: a page or two each); catalog order within each.
 */
export function readOrder<T extends Pick<ResourceDef, "fanOut" | "delta" | "log" | "scalesWithTenant">>(
  units: readonly T[],
): T[] {
  const rank = (r: T) =>
    r.fanOut
      ? resourceByName(r.fanOut.from)?.delta
        ? 0
        : 2
      : r.scalesWithTenant
        ? 1
        : r.delta
          ? 1.5
          : r.log
            ? 3
            : 4;
  return units
    .map((r, k) => ({ r, k }))
    .sort((a, b) => rank(a.r) - rank(b.r) || a.k - b.k)
    .map((x) => x.r);
}
