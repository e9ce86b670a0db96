import type { Bus } from "@tenantlens/bus";
import { AppError, TokenGet } from "@tenantlens/contracts";

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

/** Access tokens for one integration, from auth over NATS, re-requested when they near expiry. */
export class TokenProvider {
  private token: { value: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly integrationId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    if (this.token && this.token.expiresAt - REFRESH_MARGIN_MS > this.now()) return this.token.value;
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** After a 401: the token was revoked or expired early. */
  invalidate(): void {
    this.token = undefined;
  }

  private async fetch(): Promise<string> {
    try {
      const res = await this.bus.request(
        TokenGet,
        { integrationId: this.integrationId },
        { timeoutMs: 40_000 },
      );
      this.token = { value: res.accessToken, expiresAt: Date.parse(res.expiresAt) };
      return res.accessToken;
    } catch (err) {
      if (err instanceof AppError) throw new TokenUnavailable(err.code, err.message);
      throw err;
    }
  }
}
