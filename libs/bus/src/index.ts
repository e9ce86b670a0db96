export {
  type Bus,
  type BusSettings,
  type BusStatus,
  busConnection,
  type ConnectOptions,
  type ContractsOverride,
  connectBus,
} from "./bus.js";
export {
  type ConsumeOptions,
  type Consumer,
  type DeadLetterOptions,
  type DeadMessage,
  type Handler,
  type MessageMeta,
  nakDelayMs,
  on,
} from "./consume.js";
export { type BusIdentity, ensureBusIdentities, nkeySeedFromText, readNkeySeed } from "./credentials.js";
export { type BusHealth, type BusHealthOptions, startBusHealth } from "./health.js";
export {
  type BusUser,
  busPermissions,
  inboxPrefix,
  type NatsPermissions,
  natsAuthorization,
  natsWebsocket,
  serviceUsers,
  type WebsocketListener,
} from "./permissions.js";
export type { PublishOptions, PublishResult } from "./publish.js";
export type { RequestOptions, ServeHandler, ServeMeta, ServeOptions } from "./rpc.js";
export { installSignalHandlers, onShutdown } from "./shutdown.js";
export type { BlobOptions, KV, KvOptions } from "./storage.js";
export { streamConfig } from "./streams.js";
export { consumerFilter, eventPattern, streamSubjects } from "./subjects.js";
export type { BroadcastSubscription, EventMeta } from "./subscribe.js";
export { type BusTransport, transportOf } from "./transport.js";
export {
  consumeWorkspaceDeletions,
  onWorkspaceDeleted,
  type WorkspacePurgeOptions,
} from "./workspace-purge.js";
