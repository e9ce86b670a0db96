import { randomBytes } from "node:crypto";
import { AppError } from "@tenantlens/contracts";

export interface StreamPart {
  seq: number;
  /** UTF-8 bytes of the answer's text; a part may end inside a character (the next one goes on). */
  body: Uint8Array;
  done: boolean;
  rowCount: number;
  truncated: boolean;
}

/** Bytes a part's reply keeps for its JSON head (seq, counts) and headers (trace, bytes field). */
export const PART_OVERHEAD_BYTES = 4096;

/**
 * One answer being streamed to its caller: parts are added as the worker produces them and read in
 * order (`seq` 0, 1, …); a part is dropped once the caller asks for the next one, so an answer read
 * as fast as it is produced never sits in memory whole.
 */
export class ResultStream {
  readonly id = `rs_${randomBytes(12).toString("hex")}`;
  /** The query's id (history, headers) and the generation it reads, once known. */
  readonly queryId = `q_${randomBytes(10).toString("hex")}`;
  generationId = 0;
  /** Whether a part has been handed over (the caller then reads the rest as parts). */
  started = false;
  /** Parts not yet read, the first of them numbered `base`. */
  private parts: Uint8Array[] = [];
  private base = 0;
  private done = false;
  private failure: Error | null = null;
  private rowCount = 0;
  private truncated = false;
  private wake: (() => void) | null = null;
  private expiry: NodeJS.Timeout | null = null;

  constructor(
    readonly workspaceId: string,
    private readonly idleMs: number,
    private readonly maxPartBytes: number,
    private readonly onExpire: (s: ResultStream) => void,
  ) {
    this.touch();
  }

  push(bytes: Uint8Array): void {
    this.started = true;
    this.parts.push(bytes);
    this.notify();
  }

  finish(rest: Uint8Array, rowCount: number, truncated: boolean): void {
    this.parts.push(rest);
    this.done = true;
    this.rowCount = rowCount;
    this.truncated = truncated;
    this.notify();
  }

  fail(err: Error): void {
    this.failure = err;
    this.done = true;
    this.notify();
  }

  /** Part `seq`, waiting for it when the worker has not produced it yet. */
  async read(seq: number): Promise<StreamPart> {
    this.touch();
    if (seq < this.base) throw new AppError("not_found", `part ${seq} of this answer was already read`);
    // Parts before `seq` have been received by the caller: drop them.
    this.parts.splice(0, seq - this.base);
    this.base = seq;
    while (this.parts.length === 0) {
      if (this.failure) throw this.failure;
      if (this.done) throw new AppError("not_found", `the answer has no part ${seq}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.touch();
    }
    let body = this.parts[0]!;
    // A part whose reply would not fit in a message is split: the client receives one byte stream.
    if (body.length > this.maxPartBytes) {
      this.parts.splice(0, 1, body.subarray(0, this.maxPartBytes), body.subarray(this.maxPartBytes));
      body = this.parts[0]!;
    }
    const last = this.done && !this.failure && this.parts.length === 1;
    return {
      seq,
      body,
      done: last,
      rowCount: last ? this.rowCount : 0,
      truncated: last ? this.truncated : false,
    };
  }

  close(): void {
    if (this.expiry) clearTimeout(this.expiry);
    this.fail(new AppError("not_found", "the answer is no longer available; run the query again"));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** A stream nobody reads for `idleMs` (its caller went away) is dropped. */
  private touch(): void {
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = setTimeout(() => this.onExpire(this), this.idleMs);
    this.expiry.unref();
  }
}

/** The answers this replica is streaming, by id. */
export class ResultStreams {
  private readonly streams = new Map<string, ResultStream>();

  /**
   * `maxPartBytes`: the most one part may carry, so its reply fits in a message of the bus
   * (`maxPayload` less PART_OVERHEAD_BYTES; a part produced larger is handed out in pieces).
   */
  constructor(
    private readonly idleMs = 60_000,
    private readonly maxPartBytes = 1024 * 1024 - PART_OVERHEAD_BYTES,
  ) {}

  open(workspaceId: string): ResultStream {
    const s = new ResultStream(workspaceId, this.idleMs, this.maxPartBytes, (x) => this.drop(x));
    this.streams.set(s.id, s);
    return s;
  }

  owns(streamId: string): boolean {
    return this.streams.has(streamId);
  }

  async read(workspaceId: string, streamId: string, seq: number): Promise<StreamPart> {
    const s = this.streams.get(streamId);
    if (!s || s.workspaceId !== workspaceId) {
      throw new AppError("not_found", "the answer is no longer available; run the query again");
    }
    try {
      const part = await s.read(seq);
      if (part.done) this.drop(s);
      return part;
    } catch (err) {
      this.drop(s);
      throw err;
    }
  }

  /** Streams in progress (tests, shutdown). */
  get size(): number {
    return this.streams.size;
  }

  closeAll(): void {
    for (const s of [...this.streams.values()]) this.drop(s);
  }

  /** Forgets a stream that was never started (its answer went back whole). */
  release(streamId: string): void {
    const s = this.streams.get(streamId);
    if (s) this.drop(s);
  }

  private drop(s: ResultStream): void {
    if (this.streams.get(s.id) !== s) return;
    this.streams.delete(s.id);
    s.close();
  }
}
