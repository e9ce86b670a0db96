import type { ResourceCost } from "@tenantlens/contracts";

/** What a resource's read cost so far; the Graph adapter adds to it request by request. */
export type CostMeter = ResourceCost;

export function emptyCost(): CostMeter {
  return { requests: 0, batched: 0, throttled: 0, retries: 0, bytes: 0, units: 0, durationMs: 0 };
}

export function addCost(into: CostMeter, c: ResourceCost): CostMeter {
  into.requests += c.requests;
  into.batched = (into.batched ?? 0) + (c.batched ?? 0);
  into.throttled += c.throttled;
  into.retries += c.retries;
  into.bytes += c.bytes;
  into.units += c.units;
  into.durationMs += c.durationMs;
  return into;
}

/** Every request Graph answered: HTTP requests (`$batch` envelopes included) and batch items. */
export function graphRequests(c: ResourceCost): number {
  return c.requests + (c.batched ?? 0);
}

/** Graph's `x-ms-resource-unit` answer header as a whole number (0 when absent or unreadable). */
export function resourceUnits(header: string | null | undefined): number {
  const n = Number(header ?? "");
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}
