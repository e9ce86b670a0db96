export { z } from "zod";
export { bytesUnder } from "./disk-usage.js";
export { ConfigError, loadConfig, loadConfigOrExit } from "./load.js";
export { usePrivateDataDir } from "./private-dir.js";
export {
  currentRuntime,
  denoBinary,
  RUNTIMES,
  type Runtime,
  runtimeFromEnv,
  type TsCommand,
  tsCommand,
} from "./runtime.js";
export {
  authorityHost,
  bool,
  dataDir,
  durationMs,
  durationSeconds,
  graphEndpoint,
  httpsUrl,
  httpUrl,
  int,
  LOG_LEVELS,
  logLevel,
  natsSettings,
  natsUrl,
  opsSettings,
  port,
  positiveInt,
  readableFile,
  secret,
} from "./schemas.js";
