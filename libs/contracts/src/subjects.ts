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
  QueryExamplesList,
  QueryHistoryList,
  SavedQueryCreate,
  SavedQueryDelete,
  SavedQueryGet,
  SavedQueryList,
  SavedQueryUpdate,
} from "./saved-query.js";
import {
  DeadLetterList,
  GenerationCommitted,
  GenerationGet,
  IngestStatus,
  PollIngestFailed,
  PollList,
  TableCounts,
} from "./store.js";

/** Every event of the system; streams take their subjects from here. */
export const allEvents: EventDef[] = [
  IntegrationChanged,
  PollStarted,
  PageCollected,
  ResourceCollected,
  PollCompleted,
  GenerationCommitted,
  PollIngestFailed,
  QueryExecuted,
  RuleChanged,
  RuleEvaluated,
  ViolationsChanged,
  RuleStatusChanged,
  ScoreRecorded,
  RunCompleted,
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
  DeadLetterList,
  IngestStatus,
  QueryExecute,
  TablesList,
  SavedQueryCreate,
  SavedQueryList,
  SavedQueryGet,
  SavedQueryUpdate,
  SavedQueryDelete,
  QueryHistoryList,
  QueryExamplesList,
];
