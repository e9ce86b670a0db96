import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GraphFixture, graphFixture, pages } from "./test-helpers.js";

type Err = { error: { code: string; message: string; innerError: Record<string, string> } };
const EVENTUAL = { ConsistencyLevel: "eventual" };

describe("query options", () => {
  let f: GraphFixture;
  before(async () => {
    f = await graphFixture({ tenants: [{ sizes: { users: 400 } }] });
  });
  after(() => f.stop());
  const stats = () => f.tenants[0]!.directory.stats();

  it("$select returns exactly the selected properties; v1.0 users default to Graph's 11", async () => {
    const sel = await f.call("/v1.0/users?$top=3&$select=displayName,accountEnabled");
    assert.equal(
      sel.json["@odata.context"],
      "https://graph.test/v1.0/$metadata#users(displayName,accountEnabled)",
    );
    for (const u of sel.json.value as object[])
      assert.deepEqual(Object.keys(u), ["displayName", "accountEnabled"]);
    const def = await f.call("/v1.0/users?$top=1");
    assert.deepEqual(Object.keys((def.json.value as object[])[0]!).sort(), [
      "businessPhones",
      "displayName",
      "givenName",
      "id",
      "jobTitle",
      "mail",
      "mobilePhone",
      "officeLocation",
      "preferredLanguage",
      "surname",
      "userPrincipalName",
    ]);
    const beta = await f.call("/beta/users?$top=1");
    const keys = Object.keys((beta.json.value as object[])[0]!);
    assert.ok(keys.includes("accountEnabled") && !keys.includes("signInActivity"));
  });

  it("$select with an unknown property is Graph's 400", async () => {
    const r = await f.call("/v1.0/users?$select=displayName,favouriteColour");
    assert.equal(r.status, 400);
    const e = (r.json as Err).error;
    assert.equal(e.code, "BadRequest");
    assert.equal(
      e.message,
      "Parsing OData Select and Expand failed: Could not find a property named 'favouriteColour' on type 'microsoft.graph.user'.",
    );
    assert.ok(e.innerError.date && e.innerError["request-id"] && e.innerError["client-request-id"]);
    assert.equal(r.headers.get("request-id"), e.innerError["request-id"]);
  });

  it("echoes client-request-id", async () => {
    const r = await f.call("/v1.0/users?$top=1", { headers: { "client-request-id": "abc-123" } });
    assert.equal(r.headers.get("client-request-id"), "abc-123");
    assert.ok(r.headers.get("request-id"));
  });

  it("filters the forms the collector uses", async () => {
    const s = stats();
    const count = async (q: string, headers: Record<string, string> = {}) =>
      (await pages(f, `/v1.0/users?$select=id&$top=999&${q}`, { headers })).reduce(
        (n, p) => n + (p.value as unknown[]).length,
        0,
      );
    assert.equal(await count("$filter=userType eq 'Guest'"), s.users.guests);
    assert.equal(await count("$filter=accountEnabled eq false"), s.users.disabled);
    assert.equal(
      await count("$filter=userType eq 'Member' and accountEnabled eq true"),
      s.users.total -
        s.users.guests -
        (await count("$filter=userType eq 'Member' and accountEnabled eq false")),
    );
    const fatima = await f.call("/v1.0/users?$filter=startswith(displayName,'fat')&$select=displayName");
    for (const u of fatima.json.value as { displayName: string }[]) assert.match(u.displayName, /^Fat/);
    const ne = await f.call("/v1.0/users?$filter=userType ne 'Member'&$count=true&$top=1", {
      headers: EVENTUAL,
    });
    assert.equal(ne.json["@odata.count"], s.users.guests);
    const any = await f.call("/v1.0/groups?$filter=groupTypes/any(c:c eq 'Unified')&$select=groupTypes");
    assert.ok((any.json.value as { groupTypes: string[] }[]).every((g) => g.groupTypes.includes("Unified")));
    const teams = await f.call(
      "/v1.0/groups?$filter=resourceProvisioningOptions/Any(x:x eq 'Team')&$select=id",
    );
    assert.equal((teams.json.value as unknown[]).length, s.groups.teams);
  });

  it("windows audit logs and sign-ins by activityDateTime / createdDateTime", async () => {
    const now = Date.now();
    const from = new Date(now - 3 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const to = new Date(now - 1 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    for (const [path, prop] of [
      ["auditLogs/directoryAudits", "activityDateTime"],
      ["auditLogs/signIns", "createdDateTime"],
    ] as const) {
      const ps = await pages(f, `/v1.0/${path}?$filter=${prop} ge ${from} and ${prop} le ${to}&$top=100`);
      const items = ps.flatMap((p) => p.value as Record<string, string>[]);
      assert.ok(items.length > 0, path);
      for (const o of items) {
        const t = Date.parse(o[prop]!);
        assert.ok(t >= Date.parse(from) && t <= Date.parse(to), `${path} ${o[prop]}`);
      }
      const times = items.map((o) => Date.parse(o[prop]!));
      assert.deepEqual(
        times,
        [...times].sort((a, b) => b - a),
        `${path} newest first`,
      );
    }
  });

  it("unsupported filters are Request_UnsupportedQuery and bad syntax is BadRequest", async () => {
    const unsupported = [
      "jobTitle ne 'x'",
      "favouriteColour eq 'blue'",
      "contains(displayName,'a')",
      "endswith(mail,'@contoso.com')",
    ];
    for (const q of unsupported) {
      const r = await f.call(`/v1.0/users?$filter=${encodeURIComponent(q)}`);
      assert.equal(r.status, 400, q);
      assert.equal((r.json as Err).error.code, "Request_UnsupportedQuery", q);
    }
    for (const q of [
      "userType eq",
      "(userType eq 'Guest'",
      "userType eq 'Guest",
      "userType === 'Guest'",
      "startswith(displayName)",
    ]) {
      const r = await f.call(`/v1.0/users?$filter=${encodeURIComponent(q)}`);
      assert.equal(r.status, 400, q);
      assert.equal((r.json as Err).error.code, "BadRequest", q);
    }
    const adv = await f.call(
      `/v1.0/users?$filter=${encodeURIComponent("endswith(mail,'.com')")}&$count=true&$top=1`,
      { headers: EVENTUAL },
    );
    assert.equal(adv.status, 200);
  });

  it("$count needs ConsistencyLevel: eventual, as Graph", async () => {
    const raw = await f.call("/v1.0/users/$count");
    assert.equal(raw.status, 400);
    assert.equal((raw.json as Err).error.code, "Request_UnsupportedQuery");
    const inline = await f.call("/v1.0/users?$count=true");
    assert.equal(inline.status, 400);
    const ok = await f.call("/v1.0/users/$count", { headers: EVENTUAL });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-type") ?? "", /^text\/plain/);
    assert.equal(ok.text, String(stats().users.total));
    const guests = await f.call("/v1.0/users/$count?$filter=userType eq 'Guest'", { headers: EVENTUAL });
    assert.equal(guests.text, String(stats().users.guests));
    const withValue = await f.call("/v1.0/users?$count=true&$top=2", { headers: EVENTUAL });
    assert.equal(withValue.json["@odata.count"], stats().users.total);
  });

  it("$search (advanced), $orderby on logs, $expand=manager and $skip are handled like Graph", async () => {
    const s = await f.call(`/v1.0/users?$search="displayName:fat"&$select=displayName`, {
      headers: EVENTUAL,
    });
    assert.equal(s.status, 200);
    assert.equal((await f.call(`/v1.0/users?$search="displayName:fat"`)).status, 400);
    assert.equal(
      (await f.call("/v1.0/auditLogs/directoryAudits?$orderby=activityDateTime desc&$top=2")).status,
      200,
    );
    const ord = await f.call("/v1.0/users?$orderby=displayName");
    assert.equal((ord.json as Err).error.code, "Request_UnsupportedQuery");
    const exp = await f.call("/v1.0/users?$top=20&$select=id&$expand=manager");
    assert.ok((exp.json.value as { manager: unknown }[]).some((u) => u.manager !== null));
    assert.equal((await f.call("/v1.0/users?$expand=nope")).status, 400);
    assert.equal(((await f.call("/v1.0/users?$skip=5")).json as Err).error.code, "Request_BadRequest");
  });

  it("unknown paths, ids and methods get Graph's codes", async () => {
    const seg = await f.call("/v1.0/usrs");
    assert.equal(seg.status, 400);
    assert.equal((seg.json as Err).error.message, "Resource not found for the segment 'usrs'.");
    const sub = await f.call(`/v1.0/users/${f.tenants[0]!.directory.store.idAt("user", 1)}/favourites`);
    assert.equal((sub.json as Err).error.message, "Resource not found for the segment 'favourites'.");
    const missing = await f.call("/v1.0/groups/11111111-2222-4333-8444-555555555555");
    assert.equal(missing.status, 404);
    assert.equal((missing.json as Err).error.code, "Request_ResourceNotFound");
    const method = await f.call("/v1.0/domains", { method: "DELETE" });
    assert.equal(method.status, 405);
    const version = await f.call("/v2.0/users");
    assert.equal(version.status, 400);
  });

  it("alternate keys resolve service principals and applications by appId", async () => {
    const r = await f.call(
      "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=displayName",
    );
    assert.equal(r.json.displayName, "Microsoft Graph");
    const own = f.tenants[0]!.identity.apps[0]!.clientId;
    const app = await f.call(`/v1.0/applications(appId='${own}')?$select=displayName,appId`);
    assert.equal(app.json.appId, own);
  });

  it("malformed query options never crash the server", async () => {
    const nasty = [
      "$top=%",
      "$filter=%E0%A4%A",
      "$select=,,,",
      "$select=a b",
      `$filter=${"(".repeat(500)}`,
      `$filter=${"x eq 1 and ".repeat(400)}x eq 1`,
      "$top=99999999999999999999",
      "$count=maybe",
      "$expand=manager($select=",
      "$unknown=1",
      "$top=1&$top=2",
      "$skiptoken=",
      "$skiptoken=not.a.token",
      "$format=xml",
      "$search=%22",
      "$orderby=%00",
    ];
    for (const q of nasty) {
      const r = await f.call(`/v1.0/users?${q}`);
      assert.ok(r.status >= 400 && r.status < 500, `${q} → ${r.status} ${r.text.slice(0, 200)}`);
      assert.ok((r.json as Err).error?.code, q);
    }
    const still = await f.call("/v1.0/users?$top=1");
    assert.equal(still.status, 200);
  });
});
