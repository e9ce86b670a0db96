export {
  type Catcher,
  type CatcherOptions,
  type MessageSummary,
  messageFiles,
  startCatcher,
} from "./catcher.js";
export { type CatcherProcess, parseReadyLine, type ReadyLine, startCatcherProcess } from "./process.js";
