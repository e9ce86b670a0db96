import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";
import { AppError } from "@tenantlens/contracts";
import type { BusCore } from "./core.js";
import { errorText, hasCause } from "./validation.js";

/**
 * How long a JetStream operation (a publish, a KV read or write) keeps trying while its stream
 * cannot take it: a clustered stream's leader died and the followers elect another (several
 * seconds on nats-server 2.9, more on a busy machine), or the connection is being re-established.
 * A publish carries the same `Nats-Msg-Id` every time, so the stream keeps one copy; this stays
 * well below the smallest duplicate window of the streams (120 s).
 */
export const JETSTREAM_RETRY_MS = 60_000;

/**
 * Runs `op` until it succeeds, fails for good, or `retryForMs` has passed while JetStream could
 * not take it (then `AppError("unavailable")`). A stream that does not exist fails at once.
 * `stream` is null for a call to JetStream's API (creating a stream, a consumer or a bucket, asking
 * for one): those are retried while a just-created or clustered asset has no leader yet (503) or
 * no answer came, but "no responders" there means JetStream is off, which waiting does not mend.
 */
export async function whileUnavailable<T>(
  core: BusCore,
  stream: string | null,
  what: string,
  op: () => Promise<T>,
  retryForMs = JETSTREAM_RETRY_MS,
): Promise<T> {
  const deadline = Date.now() + retryForMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      const transient = await isTransient(core, stream, err);
      if (transient === "no stream") {
        throw new AppError(
          "unavailable",
          `no JetStream stream accepted ${what} (is JetStream up and did a service call bus.ensureStreams()?)`,
        );
      }
      if (!transient || core.nc.isClosed()) throw err;
      if (Date.now() >= deadline) {
        throw new AppError(
          "unavailable",
          `${stream === null ? "JetStream" : `stream ${stream}`} did not take ${what} within ${retryForMs} ms: ${errorText(err)}`,
        );
      }
      if (attempt === 0)
        core.logger.warn({ what, err: errorText(err) }, "JetStream did not take it; retrying");
      await sleep(Math.min(2_000, 100 * 2 ** attempt, Math.max(0, deadline - Date.now())));
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether a failed operation may succeed if sent again: no answer in time, a stream without a
 * leader for the moment, a JetStream 503. "No responders" means either no stream captures the
 * subject (a deployment fault, reported at once) or the stream is between leaders; asking for the
 * stream tells which.
 */
async function isTransient(
  core: BusCore,
  stream: string | null,
  err: unknown,
): Promise<boolean | "no stream"> {
  if (hasCause(err, errors.TimeoutError)) return true;
  if (err instanceof JetStreamApiError) return err.status === 503;
  if (stream === null) return false;
  // The client reports "no responders" to a publish as "jetstream is not enabled".
  if (!(hasCause(err, errors.NoRespondersError) || /no responders|not enabled/i.test(errorText(err))))
    return false;
  try {
    await core.jsm.streams.info(stream);
    return true;
  } catch (infoErr) {
    return infoErr instanceof JetStreamApiError && infoErr.code === JetStreamApiCodes.StreamNotFound
      ? "no stream"
      : true;
  }
}
