import { PageCollected, PollCompleted, PollStarted, ResourceCollected } from "./collection.js";
import type { EventDef, RequestDef } from "./define.js";
import {
  ConsentComplete,
  ConsentStart,
  IntegrationChanged,
  IntegrationCreate,
  IntegrationDelete,
  IntegrationGet,
  IntegrationList,
  IntegrationUpdate,
  TokenGet,
} from "./integration.js";
import { QueryExecute, QueryExecuted, TablesList } from "./query.js";
import {
  RuleChanged,
  RuleEvaluated,
  RuleStatusChanged,
  RunCompleted,
  ScoreRecorded,
  ViolationsChanged,
} from "./rules.js";
import {
  PackList,
  RuleCreate,
  RuleDelete,
  RuleDryRun,
  RuleGet,
  RuleList,
  RuleUpdate,
  RunStart,
  SuppressionChanged,
  SuppressionList,
  ViolationList,
  ViolationSuppress,
  ViolationUnsuppress,
} from "./rules-api.js";
import {
  QueryExamplesList,
  QueryHistoryList,
  SavedQueryCreate,
  SavedQueryDelete,
  SavedQueryGet,
  SavedQueryList,
  SavedQueryUpdate,
} from "./saved-query.js";
import { GenerationCommitted, GenerationGet, PollList, TableCounts } from "./store.js";

/** Every event of the system; streams take their subjects from here. */
export const allEvents: EventDef[] = [
  IntegrationChanged,
  PollStarted,
  PageCollected,
  ResourceCollected,
  PollCompleted,
  GenerationCommitted,
  QueryExecuted,
  RuleChanged,
  RuleEvaluated,
  ViolationsChanged,
  RuleStatusChanged,
  ScoreRecorded,
  RunCompleted,
  SuppressionChanged,
];

/** Every request subject, for documentation and the subject-grammar test. */
export const allRequests: RequestDef[] = [
  IntegrationCreate,
  IntegrationGet,
  IntegrationList,
  IntegrationUpdate,
  IntegrationDelete,
  TokenGet,
  ConsentStart,
  ConsentComplete,
  GenerationGet,
  PollList,
  TableCounts,
  QueryExecute,
  TablesList,
  SavedQueryCreate,
  SavedQueryList,
  SavedQueryGet,
  SavedQueryUpdate,
  SavedQueryDelete,
  QueryHistoryList,
  QueryExamplesList,
  RuleDryRun,
  RuleCreate,
  RuleGet,
  RuleList,
  RuleUpdate,
  RuleDelete,
  RunStart,
  ViolationList,
  ViolationSuppress,
  ViolationUnsuppress,
  SuppressionList,
  PackList,
];
