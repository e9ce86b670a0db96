import {
  DiscardPolicy,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { EventDef, StreamDef } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import { streamSubjects } from "./subjects.js";

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

/** The JetStream config a StreamDef stands for (file storage, limits retention). */
export function streamConfig(
  def: StreamDef,
  events: readonly EventDef[],
  replicas = 1,
): Partial<StreamConfig> & { name: string } {
  const subjects = streamSubjects(def.name, events);
  if (subjects.length === 0)
    throw new Error(`stream ${def.name}: no event names it, so it would capture nothing`);
  if (def.maxAgeSeconds > 0 && def.duplicateWindowSeconds > def.maxAgeSeconds) {
    throw new Error(`stream ${def.name}: duplicate window must not exceed max age`);
  }
  return {
    name: def.name,
    description: def.description,
    subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(def.maxAgeSeconds * 1000),
    duplicate_window: nanos(def.duplicateWindowSeconds * 1000),
    max_bytes: def.maxBytes ?? -1,
    num_replicas: replicas,
  };
}

/**
 * Creates or updates one stream. Safe to run concurrently from every replica: creating an identical
 * stream is a no-op on the server, and a lost race falls back to compare-and-update.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  def: StreamDef,
  events: readonly EventDef[],
  log: Logger,
  replicas = 1,
): Promise<void> {
  const wanted = streamConfig(def, events, replicas);
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await jsm.streams.info(def.name).catch((err: unknown) => {
      if (apiCode(err) === STREAM_NOT_FOUND) return null;
      throw err;
    });
    if (!current) {
      try {
        await jsm.streams.add(wanted);
        log.info({ stream: def.name, subjects: wanted.subjects }, "stream created");
        return;
      } catch (err) {
        if (apiCode(err) === STREAM_NAME_IN_USE) continue; // another replica won the race
        throw wrap(def.name, err);
      }
    }
    const c = current.config;
    // Replicas are raised, never lowered: a process started without TL_STREAM_REPLICAS (a tool, an
    // older service) must not scale down the streams of a cluster.
    const replicas = Math.max(c.num_replicas ?? 1, wanted.num_replicas ?? 1);
    const same =
      sameSet(c.subjects ?? [], wanted.subjects ?? []) &&
      c.max_age === wanted.max_age &&
      c.duplicate_window === wanted.duplicate_window &&
      c.max_bytes === wanted.max_bytes &&
      (c.description ?? "") === wanted.description &&
      c.num_replicas === replicas;
    if (same) return;
    try {
      await jsm.streams.update(def.name, {
        subjects: wanted.subjects,
        description: wanted.description,
        max_age: wanted.max_age,
        duplicate_window: wanted.duplicate_window,
        max_bytes: wanted.max_bytes,
        num_replicas: replicas,
      });
      log.info({ stream: def.name, subjects: wanted.subjects }, "stream updated");
      return;
    } catch (err) {
      throw wrap(def.name, err);
    }
  }
  throw new Error(`stream ${def.name}: could not create or update it after 3 attempts`);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join("\n") === [...b].sort().join("\n");
}

export function apiCode(err: unknown): number | undefined {
  return err instanceof JetStreamApiError ? err.code : undefined;
}

function wrap(stream: string, err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err);
  return new Error(`stream ${stream}: ${msg}`, { cause: err });
}
