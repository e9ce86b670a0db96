import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Bus } from "@tenantlens/bus";
import { ConsoleSessionsBucket, WorkspaceId } from "@tenantlens/contracts";
import { z } from "zod";
import type { Principal } from "../env.js";
import type { ApiKeyStore } from "./key-store.js";

export const SESSIONS_BUCKET = ConsoleSessionsBucket.name;
/** The console's session cookie: an opaque random id, never the key. */
export const SESSION_COOKIE = "tl_session";

/**
 * The CSRF token of a session (session-bound): a hash of the session id, so only a page served to
 * that session knows it, and the id cannot be recovered from it. Every console form and every
 * unsafe /api request made with the session cookie must carry it.
 */
export function csrfTokenOf(sessionId: string): string {
  return createHash("sha256").update(`tenantlens-csrf\0${sessionId}`).digest("base64url");
}

/** Constant-time check of a CSRF token sent with a session. */
export function csrfMatches(sessionId: string, token: string | undefined | null): boolean {
  if (!token) return false;
  const expected = Buffer.from(csrfTokenOf(sessionId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const Session = z.object({ keyId: z.string(), workspaceId: WorkspaceId, expiresAt: z.number() });
type Session = z.infer<typeof Session>;

type Kv = Awaited<ReturnType<Bus["kv"]>>;

/**
 * Console sessions: the browser holds only an opaque random id; the session (which key signed
 * in, until when) lives in a NATS KV bucket whose entries expire on their own. Every use checks the
 * key is still valid, so revoking a key ends its sessions; sign-out deletes the session.
 */
export class SessionStore {
  constructor(
    private readonly bus: Bus,
    private readonly keys: ApiKeyStore,
    readonly ttlSeconds: number,
  ) {}

  private kv(): Promise<Kv> {
    return this.bus.kv(SESSIONS_BUCKET, { ttlSeconds: this.ttlSeconds });
  }

  async create(principal: Principal): Promise<string> {
    const id = randomBytes(32).toString("base64url");
    const session: Session = {
      keyId: principal.keyId,
      workspaceId: principal.workspaceId,
      expiresAt: Date.now() + this.ttlSeconds * 1000,
    };
    await (await this.kv()).create(id, JSON.stringify(session));
    return id;
  }

  /** The signed-in key, or null when the session is unknown, expired or its key was revoked. */
  async principal(id: string): Promise<Principal | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const entry = await (await this.kv()).get(id);
    if (entry?.operation !== "PUT") return null;
    const parsed = Session.safeParse(entry.json());
    if (!parsed.success || parsed.data.expiresAt <= Date.now()) return null;
    const principal = await this.keys.principalOf(parsed.data.keyId);
    return principal?.workspaceId === parsed.data.workspaceId ? principal : null;
  }

  /** Ends every session of a deleted workspace; returns how many. */
  async purgeWorkspace(workspaceId: string): Promise<number> {
    const kv = await this.kv();
    const ids = await kv.list();
    let removed = 0;
    for (const id of ids) {
      const entry = await kv.get(id);
      if (entry?.operation !== "PUT") continue;
      const parsed = Session.safeParse(entry.json());
      if (parsed.success && parsed.data.workspaceId !== workspaceId) continue;
      await kv.purge(id);
      removed += 1;
    }
    return removed;
  }

  async end(id: string): Promise<void> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return;
    await (await this.kv()).delete(id);
  }
}
