import { AppError, type Integration } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import { type IntegrationStore, type Versioned, WriteConflict } from "./adapters/integration-store.js";
import { type StoredIntegration, toPublic, withChange } from "./domain/integration.js";

export type ChangeKind = "created" | "updated" | "deleted";

export interface RecordsDeps {
  store: IntegrationStore;
  publishChanged: (
    change: ChangeKind,
    integration: Integration,
    extra?: { purgeData?: boolean },
  ) => Promise<void>;
  log: Logger;
  now: () => Date;
}

const CAS_ATTEMPTS = 3;

/**
 * Reading, changing and announcing integration records: workspace scoping, compare-and-set writes
 * and one IntegrationChanged event per saved change. Shared by the integration and consent verbs.
 */
export class IntegrationRecords {
  constructor(private readonly deps: RecordsDeps) {}

  get store(): IntegrationStore {
    return this.deps.store;
  }

  now(): Date {
    return this.deps.now();
  }

  async scoped(workspaceId: string, id: string): Promise<Versioned<StoredIntegration>> {
    const cur = await this.deps.store.get(id);
    // Another workspace's integration is indistinguishable from a missing one.
    if (!cur || cur.value.workspaceId !== workspaceId)
      throw new AppError("not_found", `integration ${id} not found`);
    return cur;
  }

  /**
   * Saves `next` over the revision it was derived from; a lost race is a `conflict` for the caller
   * (a person retries), never a silent overwrite.
   */
  async save(cur: Versioned<StoredIntegration>, next: StoredIntegration): Promise<StoredIntegration> {
    const saved = withChange(cur.value, next, this.deps.now());
    try {
      await this.deps.store.update(saved, cur.revision);
    } catch (err) {
      if (err instanceof WriteConflict)
        throw new AppError("conflict", "The integration changed meanwhile; try again.");
      throw err;
    }
    return saved;
  }

  /** Applies a patch with compare-and-set, re-reading on conflict (for flows a person cannot retry). */
  async patch(
    cur: Versioned<StoredIntegration>,
    change: (v: StoredIntegration) => Partial<StoredIntegration>,
  ): Promise<StoredIntegration> {
    let at = cur;
    for (let attempt = 1; ; attempt++) {
      const delta = change(at.value);
      if (Object.keys(delta).length === 0) return at.value;
      const next = withChange(at.value, delta, this.deps.now());
      try {
        await this.deps.store.update(next, at.revision);
        return next;
      } catch (err) {
        if (!(err instanceof WriteConflict) || attempt >= CAS_ATTEMPTS) throw err;
        const again = await this.deps.store.get(at.value.id);
        if (!again)
          throw new AppError("not_found", "The integration was deleted meanwhile; nothing was changed.");
        at = again;
      }
    }
  }

  /**
   * Compare-and-set against the revision the failing request started from: if anything changed the
   * integration meanwhile (another replica marked it, a user fixed it), this failure is not announced.
   */
  async markBroken(cur: Versioned<StoredIntegration>, reason: string): Promise<void> {
    const next = withChange(cur.value, { status: "broken", statusReason: reason }, this.deps.now());
    try {
      await this.deps.store.update(next, cur.revision);
    } catch (err) {
      if (err instanceof WriteConflict) return;
      throw err;
    }
    this.deps.log.warn({ integrationId: next.id, reason }, "integration is broken");
    await this.announce("updated", next);
  }

  async announce(change: ChangeKind, s: StoredIntegration, extra?: { purgeData?: boolean }): Promise<void> {
    try {
      await this.deps.publishChanged(change, toPublic(s), extra);
    } catch (err) {
      // The change is saved; consumers will see the next one. Failing the request would mislead the caller.
      this.deps.log.error({ err, integrationId: s.id, change }, "could not publish IntegrationChanged");
    }
  }
}
