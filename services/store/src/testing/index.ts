export { compareIntegrations, type TableDiff } from "./compare.js";
export {
  newPollId,
  newRef,
  page,
  pollCompleted,
  pollStarted,
  type Ref,
  resourceCollected,
  userObject,
} from "./fixtures.js";
export { withWarehouse } from "./read-only.js";
