/** Types of poll-stage.js (a browser module the server imports too). */
export interface PollStageInput {
  status: string;
  resources: unknown[];
  progress?: { state: string; objects: number; estimate: number | null }[];
}
export function pollStage(
  poll: PollStageInput | null,
  tables: number,
): { value: number; label: string; done: boolean };
