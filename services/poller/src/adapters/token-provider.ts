import type { Bus } from "@tenantlens/bus";
import { AppError, TokenGet } from "@tenantlens/contracts";
import { sleep } from "./sleep.js";

/** The poll cannot go on without a token (integration broken, deleted, auth down). */
export class TokenUnavailable extends Error {
  override name = "TokenUnavailable";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Ask auth again this long before the token expires (auth's own cache uses the same margin). */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Auth restarting (nobody answers) or dying with our request (no answer in time) is asked again
 * after 1 s, 2 s and 4 s: a restart of auth costs the poll a pause, not its tokens. Four 10 s
 * attempts outlast auth's own 30 s limit on the identity platform; a repeated request joins the
 * acquisition auth already runs for the integration.
 */
const TRANSIENT = new Set(["unavailable", "timeout"]);
const RETRY_DELAYS_MS = [1_000, 2_000, 4_000];
const REQUEST_TIMEOUT_MS = 10_000;

export interface TokenProviderOptions {
  now?: () => number;
  /** Wait before the n-th forced refresh after the first (0-based): the poller's backoff steps. */
  forcedRefreshDelayMs?: (step: number) => number;
}

/**
 * Access tokens for one integration (one provider per poll), from auth over NATS, re-requested
 * when they near expiry. After Graph refuses a token, `replace` asks auth to skip its cache, at
 * most once per backoff step, so a revoked credential turns into a refusal within the poll
 * instead of the dead token being replayed until it expires.
 */
export class TokenProvider {
  private token: { value: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private replacing: Promise<string> | undefined;
  private forcedRefreshes = 0;
  /** Auth refused this integration's credentials: every later ask of this poll gets the same answer. */
  private refused: TokenUnavailable | undefined;
  private nextForcedAt = 0;
  private readonly now: () => number;

  constructor(
    private readonly bus: Bus,
    private readonly integrationId: string,
    private readonly opts: TokenProviderOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  async get(): Promise<string> {
    if (this.refused) throw this.refused;
    if (this.token && this.token.expiresAt - REFRESH_MARGIN_MS > this.now()) return this.token.value;
    this.pending ??= this.fetch(false).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /**
   * Graph answered 401 to `rejected`. If another request replaced it meanwhile, that token is the
   * answer; otherwise wait for this backoff step and ask auth with `forceRefresh`.
   */
  replace(rejected: string, signal?: AbortSignal): Promise<string> {
    if (this.refused) return Promise.reject(this.refused);
    if (this.token && this.token.value !== rejected) return this.get();
    this.replacing ??= (async () => {
      await sleep(this.nextForcedAt - this.now(), signal);
      this.token = undefined;
      try {
        return await this.fetch(true);
      } finally {
        this.nextForcedAt = this.now() + (this.opts.forcedRefreshDelayMs?.(this.forcedRefreshes) ?? 0);
        this.forcedRefreshes++;
      }
    })().finally(() => {
      this.replacing = undefined;
    });
    return this.replacing;
  }

  /** Forced refreshes asked for so far (for logs and tests). */
  get forced(): number {
    return this.forcedRefreshes;
  }

  private async fetch(forceRefresh: boolean): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.bus.request(
          TokenGet,
          { integrationId: this.integrationId, ...(forceRefresh ? { forceRefresh } : {}) },
          { timeoutMs: REQUEST_TIMEOUT_MS },
        );
        this.token = { value: res.accessToken, expiresAt: Date.parse(res.expiresAt) };
        return res.accessToken;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        const delay = RETRY_DELAYS_MS[attempt];
        if (!TRANSIENT.has(err.code)) {
          // Reads of one poll run in parallel: the others must not ask again for what auth refused.
          this.refused = new TokenUnavailable(err.code, err.message);
          throw this.refused;
        }
        if (delay === undefined) throw new TokenUnavailable(err.code, err.message);
        await sleep(delay);
      }
    }
  }
}
