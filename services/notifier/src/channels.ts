import {
  AppError,
  type Channel,
  type ChannelCreate,
  ChannelLimits,
  type ChannelRotate,
  type ChannelUpdateInput,
  type Notification,
  type RequestOf,
  type ResealReport,
} from "@tenantlens/contracts";
import { aadFor, type Keyring, open, resealed, seal } from "@tenantlens/secrets";
import type { Db } from "./adapters/db.js";
import {
  deleteChannel,
  getChannel,
  insertNotification,
  listAlerts,
  listAllChannels,
  listChannels,
  putChannel,
} from "./adapters/state.js";
import { type TargetGuard, TargetRefused } from "./adapters/target-guard.js";
import type { Deliverer } from "./delivery/deliverer.js";
import { testMessage } from "./domain/messages.js";
import {
  channelView,
  HEADERS_KIND,
  newId,
  notificationView,
  SECRET_KIND,
  type StoredChannel,
} from "./domain/records.js";
import { newWebhookSecret, secretHint } from "./domain/signature.js";

export interface ChannelDeps {
  db: Db;
  ring: Keyring;
  guard: TargetGuard;
  deliverer: Deliverer;
  consoleUrl: string;
  /** A notification changed state (the delivery log publishes it). */
  onChanged(): void;
}

/** Channel verbs: where alerts are sent. Webhook targets are checked here and again at delivery. */
export class Channels {
  constructor(private readonly d: ChannelDeps) {}

  async create(req: RequestOf<typeof ChannelCreate>): Promise<{ channel: Channel; secret?: string }> {
    const now = new Date().toISOString();
    const id = newId("ch");
    const base = {
      id,
      workspaceId: req.workspaceId,
      name: req.name,
      kind: req.kind,
      enabled: req.enabled ?? true,
      disabledReason: null,
      limits: ChannelLimits.parse(req.limits ?? {}),
      createdAt: now,
      updatedAt: now,
      createdBy: req.actor,
      updatedBy: req.actor,
    };
    if (req.kind === "email") {
      const stored: StoredChannel = { ...base, recipients: req.recipients };
      await this.d.db.transaction((sql) => putChannel(sql, stored));
      return { channel: channelView(stored) };
    }
    await this.checkTarget(req.url);
    const secret = newWebhookSecret();
    const stored: StoredChannel = {
      ...base,
      url: req.url,
      ...this.sealHeaders(id, req.headers),
      sealedSecret: seal(this.d.ring.current, secret, aadFor(id, SECRET_KIND)),
      secretHint: secretHint(secret),
      sealedPreviousSecret: null,
      previousSecretExpiresAt: null,
    };
    await this.d.db.transaction((sql) => putChannel(sql, stored));
    return { channel: channelView(stored), secret };
  }

  async list(workspaceId: string): Promise<Channel[]> {
    return (await this.d.db.exclusive((sql) => listChannels(sql, workspaceId))).map((c) => channelView(c));
  }

  async get(workspaceId: string, id: string): Promise<Channel> {
    return channelView(await this.stored(workspaceId, id));
  }

  async update(
    req: ChannelUpdateInput & { workspaceId: string; actor: string; id: string },
  ): Promise<Channel> {
    const cur = await this.stored(req.workspaceId, req.id);
    if (cur.kind === "email" && (req.url !== undefined || req.headers !== undefined))
      throw new AppError(
        "bad_request",
        "url and headers apply to webhook channels; this is an email channel",
      );
    if (cur.kind === "webhook" && req.recipients !== undefined)
      throw new AppError("bad_request", "recipients apply to email channels; this is a webhook channel");
    if (req.url !== undefined) await this.checkTarget(req.url);
    const enabled = req.enabled ?? cur.enabled;
    const next: StoredChannel = {
      ...cur,
      name: req.name ?? cur.name,
      enabled,
      // Enabling again (e.g. after a 410) clears the reason; disabling by hand has none.
      disabledReason: req.enabled !== undefined ? null : cur.disabledReason,
      limits: { ...cur.limits, ...(req.limits ?? {}) },
      ...(req.recipients ? { recipients: req.recipients } : {}),
      ...(req.url ? { url: req.url } : {}),
      ...(req.headers ? this.sealHeaders(cur.id, req.headers) : {}),
      updatedAt: new Date().toISOString(),
      updatedBy: req.actor,
    };
    await this.d.db.transaction((sql) => putChannel(sql, next));
    return channelView(next);
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    await this.d.db.transaction(async (sql) => {
      const cur = await getChannel(sql, id, workspaceId);
      if (!cur) throw new AppError("not_found", `channel ${id} not found`);
      const users = (await listAlerts(sql, workspaceId)).filter((a) => a.channelIds.includes(id));
      if (users.length > 0)
        throw new AppError(
          "conflict",
          `channel ${id} is used by ${users.map((a) => `${a.id} ("${a.name}")`).join(", ")}: remove it from those alerts first`,
        );
      await deleteChannel(sql, id);
    });
  }

  async rotate(req: RequestOf<typeof ChannelRotate>): Promise<{ channel: Channel; secret: string }> {
    const secret = newWebhookSecret();
    const next = await this.d.db.transaction(async (sql) => {
      const cur = await getChannel(sql, req.id, req.workspaceId);
      if (!cur) throw new AppError("not_found", `channel ${req.id} not found`);
      if (cur.kind !== "webhook" || !cur.sealedSecret)
        throw new AppError("bad_request", "only webhook channels have a signing secret");
      const now = Date.now();
      const old = open(this.d.ring, cur.sealedSecret, aadFor(cur.id, SECRET_KIND));
      const updated: StoredChannel = {
        ...cur,
        sealedSecret: seal(this.d.ring.current, secret, aadFor(cur.id, SECRET_KIND)),
        secretHint: secretHint(secret),
        sealedPreviousSecret:
          req.graceSeconds > 0
            ? seal(this.d.ring.current, old, aadFor(cur.id, `${SECRET_KIND}_previous`))
            : null,
        previousSecretExpiresAt:
          req.graceSeconds > 0 ? new Date(now + req.graceSeconds * 1000).toISOString() : null,
        updatedAt: new Date(now).toISOString(),
        updatedBy: req.actor,
      };
      await putChannel(sql, updated);
      return updated;
    });
    return { channel: channelView(next), secret };
  }

  /**
   * Key rotation: every channel's signing secret, previous secret and header values re-sealed under
   * the current key, so the previous key can be dropped.
   */
  async resealAll(): Promise<ResealReport> {
    const ids = (await this.d.db.transaction((sql) => listAllChannels(sql))).map((c) => c.id);
    let total = 0;
    let done = 0;
    for (const id of ids) {
      await this.d.db.transaction(async (sql) => {
        const cur = await getChannel(sql, id);
        if (!cur || (!cur.sealedSecret && !cur.sealedHeaders)) return;
        total += 1;
        const ring = this.d.ring;
        const secret = cur.sealedSecret && resealed(ring, cur.sealedSecret, aadFor(id, SECRET_KIND));
        const previous =
          cur.sealedPreviousSecret &&
          resealed(ring, cur.sealedPreviousSecret, aadFor(id, `${SECRET_KIND}_previous`));
        const headers = cur.sealedHeaders && resealed(ring, cur.sealedHeaders, aadFor(id, HEADERS_KIND));
        if (!secret && !previous && !headers) return;
        await putChannel(sql, {
          ...cur,
          ...(secret ? { sealedSecret: secret } : {}),
          ...(previous ? { sealedPreviousSecret: previous } : {}),
          ...(headers ? { sealedHeaders: headers } : {}),
        });
        done += 1;
      });
    }
    return {
      keyId: this.d.ring.current.id,
      kinds: [{ kind: "webhook channel secrets and headers", total, resealed: done }],
    };
  }

  /** One attempt now, no retries and no rate limit; the answer says how it went. */
  async test(workspaceId: string, id: string): Promise<Notification> {
    const channel = await this.stored(workspaceId, id);
    const msg = testMessage({
      workspaceId,
      channel: { id: channel.id, name: channel.name },
      consoleUrl: this.d.consoleUrl,
      timestamp: new Date().toISOString(),
    });
    const notificationId = newId("msg");
    await this.d.db.transaction((sql) =>
      insertNotification(sql, {
        id: notificationId,
        workspaceId,
        alertId: null,
        alertName: null,
        alertKind: null,
        channelId: channel.id,
        channelKind: channel.kind,
        eventType: msg.eventType,
        summary: msg.summary,
        itemCount: 0,
        body: JSON.stringify(msg.body),
        now: Date.now(),
        // Claimed at once: the deliverer's loop leaves it to this attempt.
        claimed: true,
      }),
    );
    this.d.onChanged();
    const row = await this.d.deliverer.attemptOnce(notificationId);
    if (!row) throw new AppError("internal", "the test notification disappeared");
    return notificationView(row);
  }

  private async stored(workspaceId: string, id: string): Promise<StoredChannel> {
    const c = await this.d.db.exclusive((sql) => getChannel(sql, id, workspaceId));
    if (!c) throw new AppError("not_found", `channel ${id} not found`);
    return c;
  }

  private sealHeaders(id: string, headers: Record<string, string> | undefined) {
    const names = Object.keys(headers ?? {});
    return {
      headerNames: names,
      sealedHeaders: names.length
        ? seal(this.d.ring.current, JSON.stringify(headers), aadFor(id, HEADERS_KIND))
        : null,
    };
  }

  private async checkTarget(raw: string): Promise<void> {
    try {
      await this.d.guard.check(new URL(raw));
    } catch (err) {
      if (err instanceof TargetRefused) throw new AppError("bad_request", err.message);
      throw err;
    }
  }
}
