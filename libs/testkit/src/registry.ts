import { rmSync } from "node:fs";
import { rm } from "node:fs/promises";

/** Everything a test started, so `stopAll()` (and a crash) can clean it up. */
interface Stoppable {
  stop(): Promise<unknown>;
  /** Synchronous last resort when the test process exits without cleaning up. */
  killSync(): void;
}

const running = new Set<Stoppable>();
const dirs = new Set<string>();

export function track(s: Stoppable): () => void {
  running.add(s);
  return () => running.delete(s);
}

export function trackDir(dir: string): void {
  dirs.add(dir);
}

export async function removeDir(dir: string): Promise<void> {
  dirs.delete(dir);
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Removes every temp dir made by `tempDir`/`tempDuckDbPath` (and left behind by servers). */
export async function cleanup(): Promise<void> {
  await Promise.all([...dirs].map((d) => removeDir(d)));
}

/** Stops every service and nats-server this process started (newest first), then `cleanup()`. */
export async function stopAll(): Promise<void> {
  for (const s of [...running].reverse()) {
    await s.stop().catch(() => {});
    running.delete(s);
  }
  await cleanup();
}

process.once("exit", () => {
  for (const s of running) s.killSync();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
