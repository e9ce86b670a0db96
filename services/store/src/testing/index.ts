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
