import { randomUUID } from "node:crypto";
import {
  AuthenticationHandler,
  Client,
  GraphError,
  HTTPMessageHandler,
} from "@microsoft/microsoft-graph-client";
import type { Logger } from "@tenantlens/telemetry";
import {
  type BatchAnswer,
  type BatchItem,
  batchBody,
  batchUrl,
  MalformedBatchAnswer,
  parseBatchAnswer,
  relativeUrl,
} from "../domain/batch.js";
import type { CostMeter } from "../domain/cost.js";
import type { GraphFailure } from "../domain/graph-errors.js";
import type { RetryPolicy } from "../domain/retry.js";
import type { TenantGate } from "./tenant-gate.js";
import { type ThrottleEvents, ThrottleRetryHandler } from "./throttle-retry.js";
import { type TokenProvider, TokenUnavailable } from "./token-provider.js";

/** A Graph request that failed for good (after retries). */
export class GraphRequestError extends Error {
  override name = "GraphRequestError";
  constructor(readonly failure: GraphFailure) {
    super(failure.message);
  }
}

export type GraphBody = Record<string, unknown>;

export interface GraphReader {
  /**
   * GET an absolute Graph URL (first page, nextLink or deltaLink) and return the JSON body; every
   * HTTP request it takes (retries included) is added to `meter`.
   */
  get(
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal,
    meter?: CostMeter,
  ): Promise<GraphBody>;
  /**
   * GETs up to 20 absolute URLs of one Graph version in one `$batch` request and returns each
   * item's own answer, in the order given (a throttled item answers 429 with its Retry-After; the
   * tenant is held until it elapses). The batch itself is retried like a GET (429/503/504, network,
   * one token replacement after a 401); an answer without Graph's batch shape is a
   * GraphRequestError. `meter` gets the HTTP request(s) and every item answered (`batched`).
   */
  batch(
    version: string,
    items: readonly BatchItem[],
    signal: AbortSignal,
    meter?: CostMeter,
  ): Promise<BatchAnswer[]>;
}

/**
 * @microsoft/microsoft-graph-client with our middleware chain: the client's AuthenticationHandler
 * (token from auth over NATS; sent only to Graph hosts and the configured endpoint's hostname), our
 * throttling retry, then fetch. initWithMiddleware because Client.init cannot swap the RetryHandler.
 */
export function createGraphReader(opts: {
  graphEndpoint: string;
  tokens: TokenProvider;
  retry: RetryPolicy;
  log: Logger;
  events?: ThrottleEvents;
  /** Shared by every read of the integration on this poller: Retry-After holds them all. */
  gate?: TenantGate;
}): GraphReader {
  const endpoint = new URL(opts.graphEndpoint);
  const auth = new AuthenticationHandler({ getAccessToken: () => opts.tokens.get() });
  const retry = new ThrottleRetryHandler(opts.retry, opts.log, opts.events, opts.gate);
  const http = new HTTPMessageHandler();
  auth.setNext(retry);
  retry.setNext(http);
  const client = Client.initWithMiddleware({
    middleware: auth,
    baseUrl: `${endpoint.origin}/`,
    customHosts: new Set([endpoint.hostname]),
  });

  const send = async (
    method: "GET" | "POST",
    url: string,
    headers: Record<string, string>,
    body: unknown,
    signal: AbortSignal,
    meter: CostMeter | undefined,
  ): Promise<GraphBody> => {
    // Fetch the token first so a refused token surfaces as itself, not wrapped in a GraphError.
    let sent = await opts.tokens.get();
    // One id per request, kept by its retries: what Microsoft support asks for, and how the
    // simulator's log ties a retry to the request Graph refused.
    const requestId = randomUUID();
    for (let attempt = 0; ; attempt++) {
      try {
        const request = client
          .api(url)
          .headers({ ...headers, "client-request-id": requestId })
          .option("signal", signal)
          .option("meter", meter);
        const answer: unknown = method === "GET" ? await request.get() : await request.post(body);
        if (typeof answer !== "object" || answer === null) {
          throw new GraphRequestError({
            status: 200,
            code: null,
            message: "Graph answered without a JSON object",
          });
        }
        return answer as GraphBody;
      } catch (err) {
        if (signal.aborted) throw signal.reason ?? err;
        if (err instanceof GraphRequestError || err instanceof TokenUnavailable) throw err;
        if (err instanceof GraphError) {
          if (err.code === "TokenUnavailable") throw new TokenUnavailable("unavailable", err.message);
          // 401: the token expired or was revoked early. Auth's cache would hand the same one
          // back, so once per request ask for a replacement from the identity platform itself
          // (auth refuses it if the credentials are gone, which ends the poll as "no token").
          if (err.statusCode === 401 && attempt === 0) {
            opts.log.warn(
              { code: err.code, message: err.message },
              "Graph refused the access token; replacing it",
            );
            sent = await opts.tokens.replace(sent, signal);
            continue;
          }
          throw new GraphRequestError({
            status: err.statusCode > 0 ? err.statusCode : null,
            code: err.statusCode > 0 ? err.code : null,
            message: err.message || err.code || `HTTP ${err.statusCode}`,
          });
        }
        throw new GraphRequestError({
          status: null,
          code: null,
          message: err instanceof Error ? err.message : String(err),
        });
      }
    }
  };

  return {
    get: (url, headers, signal, meter) => send("GET", url, headers, undefined, signal, meter),
    async batch(version, items, signal, meter) {
      const relative = items.map((i) => {
        const url = relativeUrl(i.url, opts.graphEndpoint, version);
        if (url === null) throw new Error(`${i.url} is not a ${version} URL of ${opts.graphEndpoint}`);
        return { ...i, url };
      });
      const answer = await send(
        "POST",
        batchUrl(opts.graphEndpoint, version),
        { "content-type": "application/json" },
        batchBody(relative),
        signal,
        meter,
      );
      try {
        return parseBatchAnswer(
          answer,
          items.map((i) => i.id),
        );
      } catch (err) {
        if (!(err instanceof MalformedBatchAnswer)) throw err;
        throw new GraphRequestError({
          status: 200,
          code: null,
          message: `Malformed answer from Graph: ${err.message}`,
        });
      }
    },
  };
}
