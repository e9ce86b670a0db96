import type { PollOutcome, ResourceOutcome } from "@tenantlens/contracts";

/**
 * succeeded: every resource complete or not collected; failed: nothing collectable was read (every
 * attempted resource failed) or no token; partial: anything in between.
 */
export function pollOutcome(outcomes: ResourceOutcome[], tokenFailed: boolean): PollOutcome {
  if (tokenFailed) return "failed";
  const collectable = outcomes.filter((o) => o !== "not_collected");
  if (collectable.every((o) => o === "complete")) return "succeeded";
  if (collectable.every((o) => o === "failed")) return "failed";
  return "partial";
}

/** A resource that published some pages before failing is partial, never complete. */
export function resourceOutcomeAfterFailure(pagesPublished: number): ResourceOutcome {
  return pagesPublished > 0 ? "partial" : "failed";
}
