import type { KV } from "@tenantlens/bus";
import {
  IntegrationId,
  PollId,
  RunningPollsBucket,
  TenantId,
  Timestamp,
  WorkspaceId,
} from "@tenantlens/contracts";
import { z } from "zod";

/** Polls started and not yet completed, keyed by poll id: what a restarted poller must close. */
export const RUNNING_POLLS_BUCKET = RunningPollsBucket.name;

export const RunningPoll = z.object({
  pollId: PollId,
  workspaceId: WorkspaceId,
  integrationId: IntegrationId,
  tenantId: TenantId,
  startedAt: Timestamp,
});
export type RunningPoll = z.infer<typeof RunningPoll>;

export interface RunningPolls {
  /** Before PollStarted is published, so a poll is never running without an entry. */
  opened(p: RunningPoll): Promise<void>;
  /** After PollCompleted was stored by JetStream. */
  closed(pollId: string): Promise<void>;
  /** Entries left by a poller that stopped without completing them (unreadable ones are dropped). */
  list(): Promise<RunningPoll[]>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class KvRunningPolls implements RunningPolls {
  constructor(private readonly kv: KV) {}

  async opened(p: RunningPoll): Promise<void> {
    await this.kv.put(p.pollId, encoder.encode(JSON.stringify(p)));
  }

  async closed(pollId: string): Promise<void> {
    await this.kv.purge(pollId);
  }

  async list(): Promise<RunningPoll[]> {
    const keys: string[] = [];
    for await (const k of await this.kv.keys()) keys.push(k);
    const out: RunningPoll[] = [];
    for (const k of keys) {
      const e = await this.kv.get(k);
      if (e?.operation !== "PUT" || e.value.length === 0) continue;
      const parsed = RunningPoll.safeParse(safeJson(decoder.decode(e.value)));
      if (parsed.success) out.push(parsed.data);
      else await this.kv.purge(k);
    }
    return out;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
