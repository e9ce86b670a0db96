import { randomBytes } from "node:crypto";
import type { Bus } from "@tenantlens/bus";
import {
  AppError,
  IntegrationGet,
  type Operation,
  type OperationGet,
  type OperationInput,
  type OperationList,
  OperationRecorded,
  type OperationRun,
  type OperationStep,
  type RequestOf,
  type ResponseOf,
  type SettingsGet,
  type SettingsUpdate,
  TokenGet,
} from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import { type GraphAnswer, type PacingOptions, sendGraph, WritePacer } from "./adapters/graph-client.js";
import type { OperationStore, SettingsStore } from "./adapters/operation-store.js";
import {
  addMember,
  createUserRequest,
  fingerprint,
  GLOBAL_ADMIN_TEMPLATE,
  isLastGlobalAdmin,
  isProtected,
  operationId,
  type PlannedRequest,
  patchUser,
  redactInput,
  removeLicenses,
  removeMember,
  revokeSessions,
  statusOf,
  summarize,
  userSegment,
  view,
} from "./domain/operations.js";

type Step = OperationStep & { write: boolean };

/** A step as the record keeps it. */
function stored({ write: _w, ...s }: Step): OperationStep {
  return s;
}

/** Thrown inside a run to stop before any write, with the reason recorded as `refused`. */
class Refusal extends Error {}

interface RunContext {
  base: string;
  token: string;
  dryRun: boolean;
  integrationId: string;
  steps: Step[];
  /** A write failed: every later write is recorded as not done. */
  stopped: boolean;
}

interface UserInfo {
  id: string;
  userPrincipalName: string | null;
  assignedLicenses: string[];
}

export interface ProvisionerDeps {
  bus: Bus;
  ops: OperationStore;
  settings: SettingsStore;
  pacing: PacingOptions;
  /** A running record not renewed for this long belongs to a dead provisioner (see `sweep`). */
  staleMs: number;
  log: Logger;
}

/**
 * Runs provisioning operations against Graph on behalf of a workspace's admin: idempotent by request
 * id, paced within Graph's write quota, every step recorded; a multi-step operation stops at the first
 * failed write and says what was and was not done. Holds no secrets: tokens come from auth, per call.
 */
export class Provisioner {
  private readonly pacer: WritePacer;
  /** Operations this process is running (never swept by it, however late a renewal is). */
  private readonly active = new Set<string>();

  constructor(private readonly deps: ProvisionerDeps) {
    this.pacer = new WritePacer(deps.pacing.writesPerWindow, deps.pacing.windowMs);
  }

  async run(req: RequestOf<typeof OperationRun>): Promise<ResponseOf<typeof OperationRun>> {
    if (!req.dryRun && !req.requestId)
      throw new AppError("bad_request", "requestId is required (it makes a repeated request harmless)");
    const requestId = req.requestId ?? `dryrun-${randomBytes(12).toString("hex")}`;
    // Scoping first: another workspace's integration is a 404 whatever else is asked.
    await this.deps.bus.request(IntegrationGet, { workspaceId: req.workspaceId, id: req.integrationId });
    const id = operationId(req.workspaceId, requestId);
    const print = fingerprint(req.integrationId, req.dryRun, req.operation);
    const known = await this.deps.ops.get(req.workspaceId, id);
    if (known) return this.repeat(known, print, requestId);
    // Without the write upgrade this throws provisioning_not_enabled (nothing recorded, nothing sent).
    const token = await this.deps.bus.request(TokenGet, {
      integrationId: req.integrationId,
      purpose: "provision",
    });
    const started: Operation = {
      id,
      workspaceId: req.workspaceId,
      integrationId: req.integrationId,
      requestId,
      actor: req.actor,
      kind: req.operation.kind,
      input: redactInput(req.operation),
      dryRun: req.dryRun,
      status: "running",
      summary: "Running.",
      targetUserId: null,
      steps: [],
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    if (!(await this.deps.ops.claim(started, print))) {
      const again = await this.deps.ops.get(req.workspaceId, id);
      if (again) return this.repeat(again, print, requestId);
    }
    await this.publish(started);
    const ctx: RunContext = {
      base: `${token.graphEndpoint.replace(/\/+$/, "")}/v1.0`,
      token: token.accessToken,
      dryRun: req.dryRun,
      integrationId: req.integrationId,
      steps: [],
      stopped: false,
    };
    // While it runs, the record is renewed with the steps so far: if this process dies, another
    // provisioner sees the record go stale and closes it as interrupted, saying what was done.
    this.active.add(id);
    let renewing: Promise<void> = Promise.resolve();
    const renew = setInterval(
      () => {
        renewing = renewing
          .then(() => this.deps.ops.save({ ...started, steps: ctx.steps.map(stored) }, print))
          .catch((err: unknown) =>
            this.deps.log.warn({ err, operationId: id }, "could not renew the record"),
          );
      },
      Math.max(500, Math.min(5_000, this.deps.staleMs / 4)),
    );
    let target: string | null = null;
    let refusal: string | null = null;
    try {
      target = await this.execute(ctx, req.workspaceId, req.operation);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      refusal = err.message;
    } finally {
      clearInterval(renew);
      await renewing;
      this.active.delete(id);
    }
    const status = refusal ? "refused" : statusOf(ctx.steps, req.dryRun);
    const finishedAt = new Date(Math.max(Date.now(), Date.parse(started.startedAt) + 1)).toISOString();
    const done: Operation = {
      ...started,
      status,
      summary: refusal
        ? `Refused: ${refusal} Nothing was changed.`
        : summarize(started.kind, status, ctx.steps),
      targetUserId: target,
      steps: ctx.steps.map(stored),
      finishedAt,
    };
    await this.deps.ops.save(done, print);
    await this.publish(done);
    this.deps.log.info(
      { operationId: id, kind: done.kind, status, integrationId: req.integrationId, dryRun: req.dryRun },
      "provisioning operation finished",
    );
    return done;
  }

  /**
   * Closes running operations whose provisioner died (record not renewed for `staleMs`) as
   * `interrupted`, keeping the steps it recorded. A compare-and-set: of several provisioners
   * sweeping at once, one closes each record. Returns how many it closed.
   */
  async sweep(now = Date.now()): Promise<number> {
    let closed = 0;
    for (const r of await this.deps.ops.running()) {
      if (this.active.has(r.operation.id)) continue;
      const lastSign = r.beatAt ?? r.operation.startedAt;
      if (now - Date.parse(lastSign) < this.deps.staleMs) continue;
      const op = r.operation;
      const done = op.steps.filter((x) => x.outcome === "done").length;
      const interrupted: Operation = {
        ...op,
        status: "interrupted",
        summary:
          `Interrupted: the provisioner running this operation stopped before it finished (last sign of life ${lastSign}). ` +
          `${done} step(s) recorded as done were done; a write in progress at that moment may or may not have reached Graph. ` +
          "Check the user in Entra (or in the warehouse after the next collection) before running it again with a new request id.",
        finishedAt: new Date(Math.max(now, Date.parse(op.startedAt) + 1)).toISOString(),
      };
      if (!(await this.deps.ops.replace(r.key, r.revision, interrupted, r.fingerprint))) continue;
      await this.publish(interrupted);
      this.deps.log.warn(
        { operationId: op.id, integrationId: op.integrationId, kind: op.kind, stepsDone: done, lastSign },
        "provisioning operation interrupted: its provisioner stopped mid-operation",
      );
      closed++;
    }
    return closed;
  }

  async list(req: RequestOf<typeof OperationList>): Promise<ResponseOf<typeof OperationList>> {
    const all = await this.deps.ops.list(req.workspaceId);
    const mine = all.filter((o) => !req.integrationId || o.integrationId === req.integrationId);
    mine.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.id.localeCompare(b.id));
    return { operations: mine.slice(0, req.limit) };
  }

  async get(req: RequestOf<typeof OperationGet>): Promise<ResponseOf<typeof OperationGet>> {
    const found = await this.deps.ops.get(req.workspaceId, req.id);
    if (!found) throw new AppError("not_found", `operation ${req.id} not found`);
    return found.operation;
  }

  getSettings(req: RequestOf<typeof SettingsGet>): Promise<ResponseOf<typeof SettingsGet>> {
    return this.deps.settings.get(req.workspaceId);
  }

  async updateSettings(req: RequestOf<typeof SettingsUpdate>): Promise<ResponseOf<typeof SettingsUpdate>> {
    const settings = { protectedUsers: [...new Set(req.protectedUsers)] };
    await this.deps.settings.put(req.workspaceId, settings);
    return settings;
  }

  async purgeWorkspace(workspaceId: string): Promise<Record<string, number>> {
    return {
      operations: await this.deps.ops.purge(workspaceId),
      settings: await this.deps.settings.purge(workspaceId),
    };
  }

  /** The same request id again: the first answer if it is the same request, else a conflict. */
  private repeat(
    known: { operation: Operation; fingerprint: string },
    print: string,
    requestId: string,
  ): Operation {
    if (known.fingerprint !== print)
      throw new AppError(
        "conflict",
        `requestId ${requestId} was already used for another request (operation ${known.operation.id}); use a new requestId`,
      );
    return known.operation;
  }

  private async publish(op: Operation): Promise<void> {
    try {
      await this.deps.bus.publish(OperationRecorded, op);
    } catch (err) {
      // The record is saved in KV; the warehouse misses this state until the next one is published.
      this.deps.log.error({ err, operationId: op.id }, "could not publish the operation record");
    }
  }

  /** Runs one operation's steps; returns the target user's object id when known. */
  private async execute(ctx: RunContext, workspaceId: string, op: OperationInput): Promise<string | null> {
    const { base } = ctx;
    switch (op.kind) {
      case "create_user": {
        const res = await this.step(ctx, createUserRequest(base, op));
        const id = (res?.body as { id?: unknown } | null)?.id;
        return typeof id === "string" ? id : null;
      }
      case "update_user": {
        const user = await this.readUser(ctx, op.userId);
        await this.step(ctx, patchUser(base, user.id, "Update user properties", op.properties));
        return user.id;
      }
      case "enable_user": {
        const user = await this.readUser(ctx, op.userId);
        await this.step(ctx, patchUser(base, user.id, "Enable sign-in", { accountEnabled: true }));
        return user.id;
      }
      case "disable_user": {
        const user = await this.readUser(ctx, op.userId);
        await this.refuseProtected(ctx, workspaceId, user, "disabled");
        await this.step(ctx, patchUser(base, user.id, "Disable sign-in", { accountEnabled: false }));
        return user.id;
      }
      case "add_group_member": {
        const user = await this.readUser(ctx, op.userId);
        await this.step(ctx, addMember(base, op.groupId, user.id));
        return user.id;
      }
      case "remove_group_member": {
        const user = await this.readUser(ctx, op.userId);
        await this.step(ctx, removeMember(base, op.groupId, user.id));
        return user.id;
      }
      case "offboard_user": {
        const user = await this.readUser(ctx, op.userId);
        await this.refuseProtected(ctx, workspaceId, user, "offboarded");
        const groups = await this.readGroups(ctx, user.id);
        await this.step(ctx, patchUser(base, user.id, "Disable sign-in", { accountEnabled: false }));
        await this.step(ctx, revokeSessions(base, user.id));
        for (const g of groups) {
          if (g.dynamic) {
            this.skip(
              ctx,
              removeMember(base, g.id, user.id, g.name),
              "dynamic membership: the group's rule decides (disabled accounts still match it)",
            );
            continue;
          }
          await this.step(ctx, removeMember(base, g.id, user.id, g.name));
        }
        if (op.removeLicenses && user.assignedLicenses.length > 0)
          await this.step(ctx, removeLicenses(base, user.id, user.assignedLicenses));
        return user.id;
      }
    }
  }

  /** Sends one request (writes only for real and only before a failure); records the step. */
  private async step(ctx: RunContext, r: PlannedRequest): Promise<GraphAnswer | null> {
    const write = r.method !== "GET";
    const base = { name: r.name, request: view(r), write };
    if (write && (ctx.dryRun || ctx.stopped)) {
      ctx.steps.push({
        ...base,
        outcome: "planned",
        httpStatus: null,
        attempts: 0,
        error: ctx.stopped ? "not attempted: an earlier step failed" : null,
      });
      return null;
    }
    const key = ctx.integrationId;
    const res = await sendGraph(r, ctx.token, { ...this.deps.pacing, pace: () => this.pacer.slot(key) });
    const ok = res.status !== null && res.status >= 200 && res.status < 300;
    ctx.steps.push({
      ...base,
      outcome: ok ? "done" : "failed",
      httpStatus: res.status,
      attempts: res.attempts,
      error: res.error,
    });
    if (!ok && write) ctx.stopped = true;
    return ok ? res : null;
  }

  private skip(ctx: RunContext, r: PlannedRequest, reason: string): void {
    ctx.steps.push({
      name: r.name,
      request: view(r),
      write: true,
      outcome: "skipped",
      httpStatus: null,
      attempts: 0,
      error: reason,
    });
  }

  private async read(ctx: RunContext, name: string, url: string): Promise<GraphAnswer> {
    const r: PlannedRequest = { name, method: "GET", url, body: null, read: true };
    const res = await sendGraph(r, ctx.token, this.deps.pacing);
    const ok = res.status !== null && res.status >= 200 && res.status < 300;
    ctx.steps.push({
      name,
      request: view(r),
      write: false,
      outcome: ok ? "done" : "failed",
      httpStatus: res.status,
      attempts: res.attempts,
      error: res.error,
    });
    if (!ok) throw new Refusal(`${name} failed (${res.error ?? `HTTP ${res.status}`}).`);
    return res;
  }

  private async readUser(ctx: RunContext, ref: string): Promise<UserInfo> {
    const res = await this.read(
      ctx,
      `Read user ${ref}`,
      `${ctx.base}/users/${userSegment(ref)}?$select=id,userPrincipalName,accountEnabled,assignedLicenses`,
    );
    const u = res.body as { id?: unknown; userPrincipalName?: unknown; assignedLicenses?: unknown };
    if (typeof u?.id !== "string") throw new Refusal(`Graph returned no id for user ${ref}.`);
    const licences = Array.isArray(u.assignedLicenses)
      ? u.assignedLicenses.flatMap((l) => (typeof l?.skuId === "string" ? [l.skuId as string] : []))
      : [];
    return {
      id: u.id,
      userPrincipalName: typeof u.userPrincipalName === "string" ? u.userPrincipalName : null,
      assignedLicenses: licences,
    };
  }

  /** Break-glass accounts of the workspace and the tenant's last Global Administrator are never disabled. */
  private async refuseProtected(
    ctx: RunContext,
    workspaceId: string,
    user: UserInfo,
    verb: string,
  ): Promise<void> {
    const settings = await this.deps.settings.get(workspaceId);
    if (isProtected(settings.protectedUsers, user))
      throw new Refusal(
        `${user.userPrincipalName ?? user.id} is a protected (break-glass) account of this workspace and is never ${verb}; remove it from the protected accounts first if this is intended.`,
      );
    const url = `${ctx.base}/directoryRoles(roleTemplateId='${GLOBAL_ADMIN_TEMPLATE}')/members?$top=999`;
    const r: PlannedRequest = {
      name: "Read Global Administrators",
      method: "GET",
      url,
      body: null,
      read: true,
    };
    const res = await sendGraph(r, ctx.token, this.deps.pacing);
    ctx.steps.push({
      name: r.name,
      request: view(r),
      write: false,
      outcome: res.status === 200 || res.status === 404 ? "done" : "failed",
      httpStatus: res.status,
      attempts: res.attempts,
      error: res.status === 404 ? null : res.error,
    });
    // 404: the role was never activated in the tenant, so nobody holds it.
    if (res.status === 404) return;
    if (res.status !== 200)
      throw new Refusal(`Could not check the Global Administrators (${res.error ?? `HTTP ${res.status}`}).`);
    const members = ((res.body as { value?: unknown[] })?.value ?? []).map((m) => {
      const o = m as { id?: unknown; "@odata.type"?: unknown; accountEnabled?: unknown };
      return {
        id: String(o.id),
        type: String(o["@odata.type"] ?? ""),
        accountEnabled: typeof o.accountEnabled === "boolean" ? o.accountEnabled : null,
      };
    });
    if (isLastGlobalAdmin(members, user.id))
      throw new Refusal(
        `${user.userPrincipalName ?? user.id} is the tenant's last enabled Global Administrator and is never ${verb}; make another account Global Administrator first.`,
      );
  }

  /** The groups a user is a direct member of (directory roles and administrative units are left alone). */
  private async readGroups(
    ctx: RunContext,
    userId: string,
  ): Promise<{ id: string; name: string; dynamic: boolean }[]> {
    const out: { id: string; name: string; dynamic: boolean }[] = [];
    let url: string | null = `${ctx.base}/users/${userId}/memberOf?$top=999`;
    while (url) {
      const res = await this.read(ctx, "Read group memberships", url);
      const page = res.body as { value?: unknown[]; "@odata.nextLink"?: unknown };
      for (const m of page?.value ?? []) {
        const o = m as { id?: unknown; "@odata.type"?: unknown; displayName?: unknown; groupTypes?: unknown };
        if (o["@odata.type"] !== "#microsoft.graph.group" || typeof o.id !== "string") continue;
        const types = Array.isArray(o.groupTypes) ? o.groupTypes : [];
        out.push({
          id: o.id,
          name: String(o.displayName ?? o.id),
          dynamic: types.includes("DynamicMembership"),
        });
      }
      url = typeof page?.["@odata.nextLink"] === "string" ? page["@odata.nextLink"] : null;
    }
    return out;
  }
}
