import { errors, type Msg, type Subscription } from "@nats-io/transport-node";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  AppError,
  BYTES_HEADER,
  ERROR_HEADER,
  ErrorBody,
  ErrorCode,
  formatIssues,
  type RequestDef,
  type RequestOf,
  type ResponseOf,
  requestErrors,
} from "@tenantlens/contracts";
import { type BusCore, maxPayload } from "./core.js";
import { headerBytes, toMsgHdrs, toRecord } from "./headers.js";
import { extractTrace, injectTrace, messagingAttributes } from "./trace.js";
import { decodeBody, decoder, encodeBody, encodeJson, errorText, hasCause } from "./validation.js";

export interface ServeMeta {
  headers: Record<string, string>;
  subject: string;
}

export type ServeHandler<R extends RequestDef> = (
  req: RequestOf<R>,
  meta: ServeMeta,
) => Promise<ResponseOf<R>>;

export interface RequestOptions {
  /** Default 10 s. */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface ServeOptions<R extends RequestDef> {
  /**
   * Queue group (default: the answering service's name). Every group gets each request once, so
   * partitions of one service (store shards) each take a group of their own.
   */
  queue?: string;
  /**
   * Whether this process answers a valid request (default: always). A partition stays silent on
   * requests another partition owns; exactly one must claim each request, or its caller times out.
   */
  claims?: (req: RequestOf<R>) => boolean;
}

/** In-flight serve handlers, so drain can wait for their replies. */
export interface ServeTracker {
  subs: Subscription[];
  inflight: Set<Promise<void>>;
}

/** Answers `def.subject` in queue group `def.service`; every failure becomes an error reply. */
export function serveRequests<R extends RequestDef>(
  core: BusCore,
  tracker: ServeTracker,
  def: R,
  handler: ServeHandler<R>,
  opts: ServeOptions<R> = {},
): void {
  const log = core.logger.child({ subject: def.subject });
  const sub = core.nc.subscribe(def.subject, {
    queue: opts.queue ?? def.service,
    callback: (err, msg) => {
      if (err) {
        log.error({ err }, "subscription error");
        return;
      }
      const p = answer(core, def, handler, msg, opts.claims).catch((e: unknown) =>
        log.error({ err: e }, "could not reply"),
      );
      tracker.inflight.add(p);
      void p.finally(() => tracker.inflight.delete(p));
    },
  });
  tracker.subs.push(sub);
}

async function answer<R extends RequestDef>(
  core: BusCore,
  def: R,
  handler: ServeHandler<R>,
  msg: Msg,
  claims?: (req: RequestOf<R>) => boolean,
) {
  const headers = toRecord(msg.headers);
  const log = core.logger.child({ subject: def.subject });
  await core.tracer.startActiveSpan(
    `process ${def.subject}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        ...messagingAttributes("process", "process", def.subject),
      },
    },
    extractTrace(headers),
    async (span) => {
      const reply = (body: Uint8Array, h?: Record<string, string>) => {
        if (!msg.reply) return; // published, not requested: nobody to answer
        msg.respond(body, h && Object.keys(h).length > 0 ? { headers: toMsgHdrs(h) } : undefined);
      };
      const replyError = (e: AppError) => {
        span.setStatus({ code: SpanStatusCode.ERROR, message: e.code });
        reply(encodeJson(e.toBody()), { [ERROR_HEADER]: e.code });
      };
      try {
        let json: unknown;
        try {
          json = decodeBody(msg.data, headers[BYTES_HEADER]);
        } catch {
          throw new AppError("bad_request", `${def.subject}: request body is not JSON`);
        }
        const parsed = def.request.safeParse(json);
        if (!parsed.success) {
          throw new AppError("bad_request", `invalid ${def.subject} request: ${formatIssues(parsed.error)}`);
        }
        if (claims && !claims(parsed.data as RequestOf<R>)) return; // another partition answers it
        const result = await handler(parsed.data as RequestOf<R>, { headers, subject: msg.subject });
        const checked = def.response.safeParse(result);
        if (!checked.success) {
          throw new Error(
            `handler returned an invalid ${def.subject} response: ${formatIssues(checked.error)}`,
          );
        }
        const { data: body, headers: bodyHeaders } = encodeBody(checked.data);
        const limit = maxPayload(core.nc);
        if (body.length + headerBytes(bodyHeaders) > limit) {
          throw new AppError(
            "payload_too_large",
            `${def.subject}: the response is ${body.length} bytes, more than the ${limit} a message may carry`,
          );
        }
        reply(body, bodyHeaders);
      } catch (err) {
        if (err instanceof AppError) {
          if (!requestErrors(def).includes(err.code))
            log.error(
              { code: err.code },
              `${def.subject} answered with an error code its contract does not declare`,
            );
          if (err.code === "internal") log.error({ err }, "request failed");
          else log.debug({ code: err.code, message: err.message }, "request refused");
          replyError(err);
        } else {
          log.error({ err }, "request handler failed");
          span.recordException(err instanceof Error ? err : String(err));
          replyError(new AppError("internal", `${def.service} failed to handle ${def.subject}`));
        }
      } finally {
        span.end();
      }
    },
  );
}

/** Sends a request to `def.service` and returns its validated response; failures are AppErrors. */
export async function sendRequest<R extends RequestDef>(
  core: BusCore,
  def: R,
  req: RequestOf<R>,
  opts: RequestOptions = {},
): Promise<ResponseOf<R>> {
  const parsed = def.request.safeParse(req);
  if (!parsed.success) {
    throw new AppError("bad_request", `invalid ${def.subject} request: ${formatIssues(parsed.error)}`);
  }
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return core.tracer.startActiveSpan(
    `request ${def.subject}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        ...messagingAttributes("request", "send", def.subject),
      },
    },
    async (span) => {
      try {
        const { data: body, headers: bodyHeaders } = encodeBody(parsed.data);
        const headers: Record<string, string> = { ...opts.headers, ...bodyHeaders };
        injectTrace(headers);
        const limit = maxPayload(core.nc);
        if (body.length + headerBytes(headers) > limit) {
          throw new AppError(
            "payload_too_large",
            `${def.subject}: the request is ${body.length} bytes, more than ${limit}`,
          );
        }
        let msg: Msg;
        try {
          msg = await core.nc.request(def.subject, body, { timeout: timeoutMs, headers: toMsgHdrs(headers) });
        } catch (err) {
          if (hasCause(err, errors.NoRespondersError)) {
            throw new AppError(
              "unavailable",
              `${def.service} is not running (nobody answers ${def.subject})`,
            );
          }
          if (hasCause(err, errors.PermissionViolationError)) {
            // A deployment fault, not the caller's: the bus's permissions come from the contracts.
            throw new AppError(
              "internal",
              `${core.service} may not send ${def.subject} on the bus (permission denied; its callers are declared in @tenantlens/contracts)`,
            );
          }
          if (hasCause(err, errors.TimeoutError)) {
            throw new AppError(
              "timeout",
              `${def.service} did not answer ${def.subject} within ${timeoutMs} ms`,
            );
          }
          throw err;
        }
        const code = msg.headers?.get(ERROR_HEADER);
        if (code) throw errorFromReply(def, code, msg);
        let json: unknown;
        try {
          json = decodeBody(msg.data, msg.headers?.get(BYTES_HEADER));
        } catch {
          throw new AppError("internal", `${def.service} sent a reply to ${def.subject} that is not JSON`);
        }
        const res = def.response.safeParse(json);
        if (!res.success) {
          throw new AppError(
            "internal",
            `${def.service} sent an invalid ${def.subject} response: ${formatIssues(res.error)}`,
          );
        }
        return res.data as ResponseOf<R>;
      } catch (err) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: err instanceof AppError ? err.code : errorText(err),
        });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

function errorFromReply(def: RequestDef, code: string, msg: Msg): AppError {
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(msg.data));
  } catch {
    body = undefined;
  }
  const parsed = ErrorBody.safeParse(body);
  const knownCode = ErrorCode.safeParse(code);
  const message = parsed.success ? parsed.data.message : `${def.service} failed ${def.subject}`;
  return new AppError(knownCode.success ? knownCode.data : "internal", message);
}
