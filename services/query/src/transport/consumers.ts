import type { Bus } from "@tenantlens/bus";
import { GenerationCommitted } from "@tenantlens/contracts";
import type { GenerationTracker } from "../adapters/generations.js";

/** Every replica must see every commit (not a queue group): a broadcast subscription. */
export function followGenerations(bus: Bus, generations: GenerationTracker) {
  return bus.subscribe(GenerationCommitted, async (generation) => generations.offer(generation));
}
