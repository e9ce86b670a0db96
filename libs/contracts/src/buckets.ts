import type { ServiceName } from "./define.js";
import { GENERATION_LEASES } from "./store.js";

/**
 * A JetStream KV bucket or object store. Its name is how services open it (`bus.kv(name)`,
 * `bus.putBlob(name, …)`); `writers` may put and delete entries, `readers` may only read them. The
 * bus's permissions are derived from these: nobody else can open the bucket at all.
 */
export interface BucketDef {
  readonly kind: "kv" | "object";
  /** `[a-z0-9_]+`; the KV stream is `KV_<name>` (subjects `$KV.<name>.>`), an object store `OBJ_<name>`. */
  readonly name: string;
  readonly writers: readonly ServiceName[];
  readonly readers?: readonly ServiceName[];
}

export function defineBucket(def: BucketDef): BucketDef {
  return def;
}

/** Poller: the last delta link per integration and resource. */
export const DeltaLinksBucket = defineBucket({ kind: "kv", name: "tl_delta", writers: ["poller"] });
/** Poller: polls in flight, so a restarted poller finishes or fails them. */
export const RunningPollsBucket = defineBucket({ kind: "kv", name: "tl_running_polls", writers: ["poller"] });

/** The poller replicas' shared state: schedules, checkpoints, leases and throttling (services/poller). */
export const PollScheduleBucket = defineBucket({ kind: "kv", name: "tl_poll_schedule", writers: ["poller"] });
export const PollProgressBucket = defineBucket({ kind: "kv", name: "tl_poll_progress", writers: ["poller"] });
export const PollLeasesBucket = defineBucket({ kind: "kv", name: "tl_poll_leases", writers: ["poller"] });
export const PollThrottleBucket = defineBucket({ kind: "kv", name: "tl_poll_throttle", writers: ["poller"] });
/** Gateway: console sessions (opaque ids). */
export const ConsoleSessionsBucket = defineBucket({
  kind: "kv",
  name: "tl_console_sessions",
  writers: ["gateway"],
});
/** Gateway: workspaces. */
export const WorkspacesBucket = defineBucket({ kind: "kv", name: "tl_workspaces", writers: ["gateway"] });
/** Gateway: API keys (hashes and roles). */
export const ApiKeysBucket = defineBucket({ kind: "kv", name: "tl_api_keys", writers: ["gateway"] });
/** Auth: integrations with their sealed secrets. */
export const IntegrationsBucket = defineBucket({ kind: "kv", name: "tl_integrations", writers: ["auth"] });
/** Auth: pending delegated consents. */
export const ConsentStatesBucket = defineBucket({ kind: "kv", name: "tl_consent_states", writers: ["auth"] });
/** Auth: sealed msal token caches. */
export const TokenCachesBucket = defineBucket({ kind: "kv", name: "tl_token_caches", writers: ["auth"] });
/** Auth: whether provisioning is enabled per integration (the write-permission upgrade). */
export const ProvisioningGrantsBucket = defineBucket({
  kind: "kv",
  name: "tl_provisioning_grants",
  writers: ["auth"],
});
/** Auth: sealed msal token caches of the write-scoped delegated sign-ins (provisioning). */
export const ProvisionTokenCachesBucket = defineBucket({
  kind: "kv",
  name: "tl_provision_token_caches",
  writers: ["auth"],
});
/** Provisioner: operation records (keyed by workspace and operation id; the idempotency ledger). */
export const ProvisioningOperationsBucket = defineBucket({
  kind: "kv",
  name: "tl_provisioning_ops",
  writers: ["provisioner"],
});
/** Provisioner: per-workspace settings (protected accounts). */
export const ProvisioningSettingsBucket = defineBucket({
  kind: "kv",
  name: "tl_provisioning_settings",
  writers: ["provisioner"],
});
/** Query: saved queries. */
export const SavedQueriesBucket = defineBucket({ kind: "kv", name: "tl_saved_queries", writers: ["query"] });
/** Query holds a lease per generation it reads; the store reads them before removing one. */
export const GenerationLeasesBucket = defineBucket({
  kind: "kv",
  name: GENERATION_LEASES.bucket,
  writers: ["query"],
  readers: ["store"],
});
/** Query: answers too large to travel inline, fetched by whoever asked. */
export const QueryResultsBucket = defineBucket({
  kind: "object",
  name: "tl_results",
  writers: ["query"],
  readers: ["gateway", "rules", "notifier"],
});

/** Every bucket of the system. */
export const allBuckets: BucketDef[] = [
  DeltaLinksBucket,
  RunningPollsBucket,
  PollScheduleBucket,
  PollProgressBucket,
  PollLeasesBucket,
  PollThrottleBucket,
  ConsoleSessionsBucket,
  WorkspacesBucket,
  ApiKeysBucket,
  IntegrationsBucket,
  ConsentStatesBucket,
  TokenCachesBucket,
  SavedQueriesBucket,
  GenerationLeasesBucket,
  QueryResultsBucket,
  ProvisioningGrantsBucket,
  ProvisionTokenCachesBucket,
  ProvisioningOperationsBucket,
  ProvisioningSettingsBucket,
];
