export { rowsByWorkspace } from "./duckdb-files.js";
export {
  type BusIdentityName,
  credentialEnv,
  type NatsClientOptions,
  type NatsOptions,
  type NatsServer,
  startNats,
} from "./nats.js";
export {
  type NatsCluster,
  type NatsClusterNode,
  type NatsClusterOptions,
  startNatsCluster,
} from "./nats-cluster.js";
export { freePort } from "./ports.js";
export { cleanup, stopAll } from "./registry.js";
export {
  repoRoot,
  type ServiceName,
  type ServiceProcess,
  type StartServiceOptions,
  serviceLogs,
  startService,
  withServiceLogs,
} from "./service.js";
export { connectTestBus, type GraphTarget, graphEnv, stopStack, type TestBusOptions } from "./stack.js";
export { tempDir, tempDuckDbPath } from "./temp.js";
export { type WaitOptions, waitFor } from "./wait.js";
