/** Types of poll-stage.js (a browser module the server imports too). */
export interface PollStageInput {
  status: string;
  resources: unknown[];
  progress?: { state: string; objects: number; estimate: number | null }[];
}
/** Whether an integration without a poll yet gets its first one on its own: it is active and enabled. */
export function expectsFirstPoll(integration: { status: string; enabled: boolean }): boolean;
export function pollStage(
  poll: PollStageInput | null,
  tables: number,
  /** The integration is active and enabled: with no poll yet, its first one is on its way. */
  expectingFirst?: boolean,
): { value: number; label: string; done: boolean };
