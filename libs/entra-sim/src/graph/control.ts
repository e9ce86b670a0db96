import { randomUUID } from "node:crypto";
import { formatIssues } from "@tenantlens/contracts";
import { type Context, Hono } from "hono";
import { z } from "zod";
import { type Directory, KINDS, StoreError } from "../directory/index.js";
import type { GraphRuntime } from "./context.js";
import type { FaultRule } from "./faults.js";

/**
 * Data-side control API under /_sim/ (the server assembly guards it with the admin key): object
 * mutations, faults, throttling, delta switches, live mode and stats. JSON in, JSON out, zod-validated;
 * errors are `{"error":{"code","message"}}`.
 */

const scope = {
  rate: z.number().min(0).max(1).optional(),
  count: z.number().int().min(0).max(1_000_000).optional(),
  pathPrefix: z.string().min(1).max(512).optional(),
};

const faultRuleSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("status"),
      status: z.union([z.literal(401), z.literal(403), z.literal(500), z.literal(503), z.literal(504)]),
      ...scope,
    })
    .strict(),
  z.object({ type: z.literal("slow"), delayMs: z.number().int().min(0).max(120_000), ...scope }).strict(),
  z.object({ type: z.literal("drop"), ...scope }).strict(),
  z.object({ type: z.literal("malformedJson"), ...scope }).strict(),
  z.object({ type: z.literal("expiredPageToken"), ...scope }).strict(),
]);

const faultsSchema = z
  .object({ rules: z.array(faultRuleSchema).max(50) })
  .strict()
  .refine((b) => b.rules.every((r) => r.rate !== undefined || r.count !== undefined), {
    message: "every rule needs a rate (0..1) or a count",
  });

const throttlingSchema = z
  .object({
    enabled: z.boolean().optional(),
    retryAfter: z.enum(["integer", "fraction", "missing"]).optional(),
    windowSeconds: z.number().positive().max(3600).optional(),
    budget: z.number().int().positive().max(10_000_000).nullable().optional(),
    reportsLimit: z.number().int().positive().max(100_000).optional(),
    writeBudget: z.number().int().positive().max(1_000_000).optional(),
    writeWindowSeconds: z.number().positive().max(3600).optional(),
  })
  .strict();

const createSchema = z
  .object({ kind: z.enum(KINDS), properties: z.record(z.string(), z.unknown()).default({}) })
  .strict();
const patchSchema = z
  .record(z.string(), z.unknown())
  .refine((o) => Object.keys(o).length > 0, { message: "at least one property is required" });
const memberSchema = z.object({ memberId: z.string().min(1).max(100) }).strict();
const secretSchema = z
  .object({ displayName: z.string().min(1).max(200).optional(), endDateTime: z.iso.datetime().optional() })
  .strict();
const deltaSchema = z
  .object({
    replays: z.boolean().optional(),
    tokenMaxAgeSeconds: z
      .number()
      .int()
      .min(1)
      .max(365 * 86_400)
      .optional(),
    resync: z.boolean().optional(),
    expireTokens: z.boolean().optional(),
  })
  .strict();
const liveSchema = z
  .object({
    enabled: z.boolean(),
    changesPerMinute: z.number().positive().max(600).optional(),
    tick: z.number().int().min(0).max(1000).optional(),
  })
  .strict();

const logEntriesSchema = z
  .object({
    count: z.number().int().min(1).max(10_000).optional(),
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

class ControlError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function body<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  let raw: unknown;
  const text = await c.req.text();
  try {
    raw = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new ControlError(400, "InvalidJson", "The request body is not valid JSON.");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ControlError(400, "ValidationError", formatIssues(parsed.error));
  }
  return parsed.data;
}

function describeDelta(d: Directory) {
  return {
    replays: d.delta.replays,
    tokenMaxAgeSeconds: Math.round(d.delta.tokenMaxAgeMs / 1000),
    resyncEpoch: d.delta.resyncEpoch,
    expiryEpoch: d.delta.expiryEpoch,
  };
}

export function createControlApp(rt: GraphRuntime): Hono {
  const app = new Hono();
  const dir = (c: Context): Directory => {
    const d = rt.directories.get(c.req.param("tenantId") ?? "");
    if (!d)
      throw new ControlError(404, "TenantNotFound", `No simulated tenant '${c.req.param("tenantId")}'.`);
    d.syncIdentity();
    return d;
  };
  const store = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreError)
        throw new ControlError(
          err.code === "NotFound" ? 404 : err.code === "Conflict" ? 409 : 400,
          err.code,
          err.message,
        );
      throw err;
    }
  };
  const t = "/_sim/tenants/:tenantId";

  app.get(`${t}/stats`, (c) => c.json(dir(c).stats()));

  app.get(`${t}/changes`, (c) => {
    const d = dir(c);
    const after = Number(c.req.query("after") ?? "0");
    if (!Number.isInteger(after) || after < 0)
      throw new ControlError(400, "ValidationError", "after: expected a non-negative integer");
    return c.json({
      seq: d.store.log.seq,
      changes: d.store.log.between(after, Math.min(d.store.log.seq, after + 1000)),
    });
  });

  app.post(`${t}/objects`, async (c) => {
    const d = dir(c);
    const b = await body(c, createSchema);
    const o = store(() => d.create(b.kind, b.properties));
    return c.json({ kind: o.kind, id: o.id, object: o.obj }, 201);
  });

  app.get(`${t}/objects/:id`, (c) => {
    const o = dir(c).store.get(c.req.param("id"));
    if (!o || o.state === "hardDeleted")
      throw new ControlError(404, "NotFound", `No object '${c.req.param("id")}'.`);
    return c.json({ kind: o.kind, id: o.id, state: o.state, object: o.obj });
  });

  app.patch(`${t}/objects/:id`, async (c) => {
    const d = dir(c);
    const props = await body(c, patchSchema);
    const o = store(() => d.updateChecked(c.req.param("id"), props));
    return c.json({ kind: o.kind, id: o.id, object: o.obj });
  });

  app.delete(`${t}/objects/:id`, (c) => {
    const d = dir(c);
    const permanent = c.req.query("permanent") === "true";
    const o = store(() =>
      permanent ? d.store.hardDelete(c.req.param("id")) : d.store.softDelete(c.req.param("id")),
    );
    return c.json({ kind: o.kind, id: o.id, state: o.state });
  });

  app.post(`${t}/objects/:id/restore`, (c) => {
    const o = store(() => dir(c).store.restore(c.req.param("id")));
    return c.json({ kind: o.kind, id: o.id, state: o.state });
  });

  app.post(`${t}/objects/:id/members`, async (c) => {
    const d = dir(c);
    const b = await body(c, memberSchema);
    store(() => d.store.addMember(c.req.param("id"), b.memberId));
    return c.body(null, 204);
  });

  app.delete(`${t}/objects/:id/members/:memberId`, (c) => {
    store(() => dir(c).store.removeMember(c.req.param("id"), c.req.param("memberId")));
    return c.body(null, 204);
  });

  app.post(`${t}/objects/:id/secrets`, async (c) => {
    const d = dir(c);
    const b = await body(c, secretSchema);
    const cred = store(() => d.addSecret(c.req.param("id"), b));
    return c.json(cred, 201);
  });

  // New audit or sign-in entries, now or at a given time (before the newest ones: a late arrival).
  app.post(`${t}/logs/:log`, async (c) => {
    const d = dir(c);
    const log = c.req.param("log");
    if (log !== "directoryAudits" && log !== "signIns")
      throw new ControlError(404, "NotFound", `No log '${log}' (directoryAudits, signIns).`);
    const b = await body(c, logEntriesSchema);
    const entries = d.addLogEntries(log, b.count ?? 1, b.at === undefined ? undefined : Date.parse(b.at));
    return c.json({ entries }, 201);
  });

  const faultRoutes = (path: string, tenantOf: (c: Context) => string | null) => {
    app.get(path, (c) => c.json({ rules: rt.faults.list(tenantOf(c)) }));
    app.put(path, async (c) => {
      const tenant = tenantOf(c);
      const b = await body(c, faultsSchema);
      rt.faults.set(tenant, b.rules as FaultRule[]);
      return c.json({ rules: rt.faults.list(tenant) });
    });
    app.delete(path, (c) => {
      rt.faults.set(tenantOf(c), []);
      return c.body(null, 204);
    });
  };
  faultRoutes("/_sim/faults", () => null);
  faultRoutes(`${t}/faults`, (c) => dir(c).tenantId);

  app.get("/_sim/throttling", (c) => c.json(rt.throttle.globalConfig()));
  app.put("/_sim/throttling", async (c) =>
    c.json(rt.throttle.setGlobal(stripUndefined(await body(c, throttlingSchema)))),
  );
  app.get(`${t}/throttling`, (c) => c.json(rt.throttle.config(dir(c).tenantId)));
  app.put(`${t}/throttling`, async (c) => {
    const d = dir(c);
    return c.json(rt.throttle.setTenant(d.tenantId, stripUndefined(await body(c, throttlingSchema))));
  });
  app.delete(`${t}/throttling`, (c) => {
    rt.throttle.setTenant(dir(c).tenantId, null);
    return c.body(null, 204);
  });

  app.get(`${t}/delta`, (c) => c.json(describeDelta(dir(c))));
  app.post(`${t}/delta`, async (c) => {
    const d = dir(c);
    const b = await body(c, deltaSchema);
    if (b.replays !== undefined) d.delta.replays = b.replays;
    if (b.tokenMaxAgeSeconds !== undefined) d.delta.tokenMaxAgeMs = b.tokenMaxAgeSeconds * 1000;
    if (b.resync) d.delta.resyncEpoch++;
    if (b.expireTokens) d.delta.expiryEpoch++;
    return c.json(describeDelta(d));
  });

  app.get(`${t}/live`, (c) => c.json(dir(c).liveStatus()));
  app.post(`${t}/live`, async (c) => {
    const d = dir(c);
    const b = await body(c, liveSchema);
    if (b.enabled) d.startLive(b.changesPerMinute ?? 4);
    else d.stopLive();
    for (let i = 0; i < (b.tick ?? 0); i++) d.liveTick();
    return c.json(d.liveStatus());
  });

  app.onError((err, c) => {
    if (err instanceof ControlError)
      return c.json({ error: { code: err.code, message: err.message, requestId: randomUUID() } }, err.status);
    process.stderr.write(`entra-sim control: ${c.req.method} ${c.req.path}: ${err.stack ?? err}\n`);
    return c.json(
      {
        error: {
          code: "InternalError",
          message: "The simulator failed to handle the control request.",
          requestId: randomUUID(),
        },
      },
      500,
    );
  });
  return app;
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
