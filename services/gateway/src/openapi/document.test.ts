import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { AppError, httpStatusOf } from "@tenantlens/contracts";
import { createLogger } from "@tenantlens/telemetry";
import { z } from "zod";
import { createApp } from "../app.js";
import { defineRoute } from "../http/route.js";
import { allRoutes } from "../routes/index.js";
import { type Harness, PUBLIC_URL, readError, startHarness } from "../testing/harness.js";
import { fillPath } from "../testing/route-walk.js";
import { openApiPath, securityOf } from "./document.js";

/**
 * The published document tells the truth: it describes exactly the declared routes, each with
 * exactly the statuses of the error codes the route can return, and nothing a route answers is
 * missing from it (a battery of bad requests against every route, with services up and down).
 */

interface Operation {
  summary: string;
  responses: Record<string, unknown>;
  requestBody?: unknown;
  security?: unknown[];
}
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

const TENANT = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

describe("the OpenAPI document", () => {
  let h: Harness;
  let down: Harness;
  let doc: Doc;
  let victim: { integrationId: string; memberKeyId: string };

  before(async () => {
    h = await startHarness();
    down = await startHarness({ standIns: false });
    doc = (await (await h.call("GET", "/openapi.json", { key: null })).json()) as Doc;
    const created = (await (
      await h.call("POST", "/api/integrations", {
        body: {
          name: "doc-victim",
          tenantId: TENANT,
          auth: { mode: "app", clientId: "c", clientSecret: "s" },
        },
      })
    ).json()) as { id: string };
    const member = (await (await h.call("GET", "/api/whoami", { key: h.memberKey })).json()) as {
      keyId: string;
    };
    victim = { integrationId: created.id, memberKeyId: member.keyId };
  });
  after(async () => {
    await down.stop();
    await h.stop();
  });

  const operationOf = (method: string, path: string) => doc.paths[openApiPath(path)]?.[method.toLowerCase()];
  const documentedStatuses = (method: string, path: string) =>
    new Set(Object.keys(operationOf(method, path)?.responses ?? {}).map(Number));

  it("is a valid OpenAPI 3.1 document", async () => {
    assert.equal(doc.openapi, "3.1.0");
    await SwaggerParser.validate(
      structuredClone(doc) as unknown as Parameters<typeof SwaggerParser.validate>[0],
    );
  });

  it("describes exactly the routes the app serves", () => {
    const served = new Set(
      h.app.routes.filter((r) => METHODS.has(r.method)).map((r) => `${r.method} ${r.path}`),
    );
    const declared = new Set(allRoutes.map((r) => `${r.method} ${r.path}`));
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1")}`),
      ),
    );
    assert.deepEqual(
      [...served].sort(),
      [...declared].sort(),
      "every served route is declared, and only those",
    );
    assert.deepEqual([...documented].sort(), [...declared].sort(), "every declared route is documented");
    assert.ok(declared.size >= 26, `only ${declared.size} routes`);
  });

  it("lists for every route exactly the statuses of the error codes it can return", () => {
    for (const route of allRoutes) {
      const expected = new Set([route.success.status, ...route.errorCodes.map((c) => httpStatusOf[c])]);
      const listed = documentedStatuses(route.method, route.path);
      assert.deepEqual([...listed].sort(), [...expected].sort(), `${route.method} ${route.path}`);
      const op = operationOf(route.method, route.path);
      assert.ok(op?.summary, `${route.method} ${route.path} has a summary`);
      assert.equal(Boolean(op?.requestBody), Boolean(route.body), `${route.method} ${route.path} body`);
      assert.deepEqual(op?.security, securityOf(route));
      if (route.access !== "public" && !route.session) assert.deepEqual(op?.security?.[0], { apiKey: [] });
    }
    // The statuses the previous hand-kept document forgot: 409, 408, 504 and 413.
    assert.ok(documentedStatuses("DELETE", "/api/keys/:keyId").has(409));
    assert.ok(documentedStatuses("POST", "/api/integrations/:id/polls").has(409), "integration_broken");
    assert.ok(documentedStatuses("POST", "/api/query").has(408), "query_timeout");
    assert.ok(documentedStatuses("POST", "/api/query").has(504), "timeout");
    assert.ok(documentedStatuses("POST", "/api/integrations").has(413), "payload_too_large");
    assert.ok(!documentedStatuses("GET", "/api/whoami").has(404), "no path parameter, no call: no 404");
  });

  it("documents every status a route answers with, under bad requests, with services up and down", async () => {
    const concrete = (path: string) =>
      fillPath(path, { id: victim.integrationId, keyId: victim.memberKeyId });
    const garbage = (path: string) => path.replace(/:[A-Za-z0-9_]+/g, "..%2F..%2Fnope");
    const valid: Record<string, unknown> = {
      "/api/integrations": {
        name: "battery",
        tenantId: TENANT,
        auth: { mode: "app", clientId: "c", clientSecret: "s" },
      },
      "/api/query": { sql: "SELECT 1" },
      "/api/keys": { name: "battery" },
      "/api/workspaces": { id: "battery" },
      "/api/saved-queries": { name: "battery", sql: "SELECT 1" },
      "/api/integrations/:id": { name: "renamed" },
    };
    const bodiesFor = (path: string) => [
      '{"name":',
      "{}",
      "[]",
      JSON.stringify({ x: "y".repeat(70 * 1024) }),
      undefined,
      ...(valid[path] ? [JSON.stringify(valid[path])] : []),
    ];
    const undocumented: string[] = [];
    const observed = new Set<number>();
    for (const target of [h, down]) {
      for (const route of allRoutes) {
        const keys =
          route.access === "public" ? [null] : [null, target.memberKey, target.otherKey, target.adminKey];
        const listed = documentedStatuses(route.method, route.path);
        for (const key of keys) {
          for (const path of [concrete(route.path), garbage(route.path)]) {
            for (const raw of route.body ? bodiesFor(route.path) : [undefined]) {
              const res = await target.call(route.method, path, {
                key,
                ...(raw !== undefined ? { raw } : {}),
              });
              await res.arrayBuffer();
              observed.add(res.status);
              if (!listed.has(res.status)) undocumented.push(`${route.method} ${path} → ${res.status}`);
            }
          }
        }
      }
    }
    assert.deepEqual(undocumented, []);
    for (const status of [200, 201, 202, 400, 401, 403, 404, 409, 413, 503]) {
      assert.ok(observed.has(status), `the battery provoked no ${status}: ${[...observed].sort()}`);
    }
  });

  it("turns an error code a route does not declare into a logged 500, so the document cannot lie", async () => {
    const lines: string[] = [];
    const logger = createLogger(
      "gateway",
      {},
      { level: "error", destination: { write: (l: string) => lines.push(l) } },
    );
    const sloppy = defineRoute({
      method: "GET",
      path: "/api/sloppy",
      summary: "raises a code it does not declare",
      tags: ["test"],
      access: "viewer",
      success: { status: 200, schema: z.object({ ok: z.boolean() }) },
      handler: () => {
        throw new AppError("conflict", "surprise");
      },
    });
    const honest = defineRoute({
      method: "GET",
      path: "/api/honest",
      summary: "raises a declared code",
      tags: ["test"],
      access: "viewer",
      errors: ["conflict"],
      success: { status: 200, schema: z.object({ ok: z.boolean() }) },
      handler: () => {
        throw new AppError("conflict", "declared");
      },
    });
    const app = createApp({ bus: h.bus, logger, publicUrl: PUBLIC_URL }, [sloppy, honest]);
    const auth = { authorization: `Bearer ${h.adminKey}` };
    const bad = await app.request(`${PUBLIC_URL}/api/sloppy`, { headers: auth });
    assert.equal(bad.status, 500);
    assert.equal((await readError(bad)).code, "internal");
    assert.ok(
      lines.some((l) => l.includes("undeclared conflict")),
      lines.join("\n"),
    );
    const good = await app.request(`${PUBLIC_URL}/api/honest`, { headers: auth });
    assert.equal(good.status, 409);
    assert.equal((await readError(good)).message, "declared");
    assert.ok(!sloppy.errorCodes.includes("conflict") && honest.errorCodes.includes("conflict"));
  });
});
