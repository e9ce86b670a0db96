import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { ConsumerMessages } from "@nats-io/jetstream";
import type { Bus } from "@tenantlens/bus";
import {
  type EventPayload,
  type Integration,
  IntegrationCreate,
  type PageCollected,
  type PollCompleted,
  PollStart,
  type PollStarted,
  type ResourceCollected,
} from "@tenantlens/contracts";
import { caFetch, type Simulator, type SimulatorTenant, startSimulator } from "@tenantlens/entra-sim";
import { catalog } from "@tenantlens/graph";
import {
  connectTestBus,
  graphEnv,
  type NatsServer,
  type ServiceProcess,
  startNats,
  startService,
  stopStack,
  tempDir,
  waitFor,
  withServiceLogs,
} from "@tenantlens/testkit";
import { DELTA_BUCKET } from "./adapters/delta-links.js";
import { expectedIds } from "./testing/expected-counts.js";

/**
 * The poller as a process between a real nats-server, the simulator and the auth process. A test
 * reader follows TL_COLLECT from the start and keeps every message with its size.
 */
const MAX_MESSAGE_BYTES = 16_384;

type Page = EventPayload<typeof PageCollected>;
type Done = EventPayload<typeof ResourceCollected>;
type Completed = EventPayload<typeof PollCompleted>;
type Started = EventPayload<typeof PollStarted>;

interface Seen {
  subject: string;
  bytes: number;
  payload: Record<string, unknown>;
}

let nats: NatsServer;
let sim: Simulator;
let poller: ServiceProcess;
let bus: Bus;
let reader: ConsumerMessages;
const seen: Seen[] = [];

// One simulator tenant per scenario that changes tenant state.
const T = { main: 0, perm: 1, throttle: 2, fault: 3, unlicensed: 4 } as const;
const tenant = (i: number): SimulatorTenant => {
  const t = sim.tenants[i];
  if (!t) throw new Error(`simulator tenant ${i} missing`);
  return t;
};

interface Stats {
  users: { total: number };
  groups: { total: number };
  applications: { total: number };
  servicePrincipals: { total: number };
  oauth2PermissionGrants: { total: number };
  domains: { total: number };
  directoryRoles: { total: number };
  roleAssignments: { active: number; eligible: number };
  devices: { total: number };
  orgContacts: number;
  administrativeUnits: number;
}

/** GET a Graph collection as the app (a minted token) and every page of it. */
async function graphList(t: SimulatorTenant, path: string): Promise<Array<Record<string, unknown>>> {
  const { accessToken } = await sim.control.mintToken(t.tenantId, { kind: "app" });
  const fetchSim = caFetch(readFileSync(sim.caCertPath, "utf8"));
  const out: Array<Record<string, unknown>> = [];
  let url: string | undefined = `${sim.graphEndpoint}/v1.0/${path}`;
  for (let i = 0; url && i < 100; i++) {
    const res: Response = await fetchSim(url, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(res.status, 200, `GET ${path}: ${res.status}`);
    const body = (await res.json()) as { value: Array<Record<string, unknown>>; "@odata.nextLink"?: string };
    out.push(...body.value);
    url = body["@odata.nextLink"];
  }
  return out;
}

/** Any Graph path below the endpoint (`beta/…` too): a collection's objects, or the one object. */
async function graphAny(t: SimulatorTenant, path: string): Promise<Array<Record<string, unknown>>> {
  const { accessToken } = await sim.control.mintToken(t.tenantId, { kind: "app" });
  const fetchSim = caFetch(readFileSync(sim.caCertPath, "utf8"));
  const out: Array<Record<string, unknown>> = [];
  let url: string | undefined = `${sim.graphEndpoint}/${path}`;
  for (let i = 0; url && i < 100; i++) {
    const res: Response = await fetchSim(url, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(res.status, 200, `GET ${path}: ${res.status}`);
    const body = (await res.json()) as Record<string, unknown>;
    if (!Array.isArray(body.value)) return [body];
    out.push(...(body.value as Array<Record<string, unknown>>));
    url = body["@odata.nextLink"] as string | undefined;
  }
  return out;
}

/** Membership ids (`<groupId>:<memberId>`) of one group, as `/groups/{id}/members` lists them. */
async function membersOf(t: SimulatorTenant, groupId: string): Promise<string[]> {
  const members = await graphList(t, `groups/${groupId}/members?$select=id&$top=999`);
  return members.map((m) => `${groupId}:${String(m.id)}`).sort();
}

/** What a complete poll of the tenant must publish per resource, from the simulator's own numbers. */
async function stats(t: SimulatorTenant): Promise<Record<string, number>> {
  const s = await sim.control.request<Stats>("GET", `/_sim/tenants/${t.tenantId}/stats`);
  const count = async (path: string) => (await graphList(t, path)).length;
  const groups = await graphList(t, "groups?$select=id&$top=999");
  let memberships = 0;
  for (const g of groups) memberships += (await membersOf(t, String(g.id))).length;
  const listed: Record<string, number> = {
    organization: 1,
    domains: s.domains.total,
    subscribedSkus: await count("subscribedSkus"),
    users: s.users.total,
    groups: s.groups.total,
    groupMembers: memberships,
    applications: s.applications.total,
    servicePrincipals: s.servicePrincipals.total,
    oauth2PermissionGrants: s.oauth2PermissionGrants.total,
    directoryRoles: s.directoryRoles.total,
    roleDefinitions: await count("roleManagement/directory/roleDefinitions"),
    roleAssignments: s.roleAssignments.active,
    roleEligibilityScheduleInstances: s.roleAssignments.eligible,
    administrativeUnits: s.administrativeUnits,
    contacts: s.orgContacts,
    devices: s.devices.total,
    conditionalAccessPolicies: await count("identity/conditionalAccess/policies"),
    namedLocations: await count("identity/conditionalAccess/namedLocations"),
    authorizationPolicy: 1,
    identitySecurityDefaultsEnforcementPolicy: 1,
    adminConsentRequestPolicy: 1,
    groupSettings: await count("groupSettings"),
    identityProviders: await count("identity/identityProviders"),
    userSignInActivity: s.users.total,
    userRegistrationDetails: await count("reports/authenticationMethods/userRegistrationDetails"),
    authenticationMethodsPolicy: 1,
    defaultAppManagementPolicy: 1,
    roleAssignmentScheduleInstances: await count("roleManagement/directory/roleAssignmentScheduleInstances"),
    crossTenantAccessPolicyDefault: 1,
    roleManagementPolicyAssignments: await count(
      "policies/roleManagementPolicyAssignments?$filter=scopeId%20eq%20'%2F'%20and%20scopeType%20eq%20'DirectoryRole'",
    ),
  };
  // The other resources (policies, Microsoft 365 families, owners, logs) counted generically.
  for (const r of catalog)
    if (!(r.name in listed)) listed[r.name] = (await expectedIds(r, (p) => graphAny(t, p))).length;
  return listed;
}

const ofKind = <T>(kind: string, pred: (p: T) => boolean = () => true): T[] =>
  seen
    .filter((m) => m.subject.startsWith(`poller.${kind}.`))
    .map((m) => m.payload as T)
    .filter(pred);

async function createIntegration(t: SimulatorTenant, name: string): Promise<Integration> {
  const { integration } = await bus.request(
    IntegrationCreate,
    {
      workspaceId: "default",
      name,
      tenantId: t.tenantId,
      auth: { mode: "app", clientId: t.clientId, clientSecret: t.clientSecret },
    },
    { timeoutMs: 30_000 },
  );
  assert.equal(integration.status, "active");
  return integration;
}

async function pollStartedFor(integrationId: string, n: number): Promise<Started> {
  await waitFor(
    () => ofKind<Started>("poll", (p) => p.integrationId === integrationId && "reason" in p).length >= n,
    {
      timeoutMs: 30_000,
      what: `poll ${n} of ${integrationId} to start`,
    },
  );
  const started = ofKind<Started>("poll", (p) => p.integrationId === integrationId && "reason" in p)[n - 1];
  assert.ok(started);
  return started;
}

interface PollResult {
  completed: Completed;
  pages: Page[];
  done: Map<string, Done>;
}

async function completedPoll(pollId: string, timeoutMs = 60_000): Promise<PollResult> {
  await waitFor(() => ofKind<Completed>("poll", (p) => p.pollId === pollId && "outcome" in p).length > 0, {
    timeoutMs,
    what: `poll ${pollId} to complete`,
  });
  const completed = ofKind<Completed>("poll", (p) => p.pollId === pollId && "outcome" in p)[0] as Completed;
  const pages = ofKind<Page>("page", (p) => p.pollId === pollId);
  const done = new Map(ofKind<Done>("resource", (p) => p.pollId === pollId).map((d) => [d.resource, d]));
  return { completed, pages, done };
}

function idsOf(pages: Page[], resource: string): Set<string> {
  return new Set(
    pages.filter((p) => p.resource === resource).flatMap((p) => p.objects.map((o) => String(o.id))),
  );
}

async function deltaKeys(integrationId: string): Promise<string[]> {
  const kv = await bus.kv(DELTA_BUCKET);
  return (await kv.list(`${integrationId}.>`)).map((k) => k.slice(integrationId.length + 1)).sort();
}

function pollerLogLines(integrationId: string, msg: string): Array<Record<string, unknown>> {
  return poller
    .logs()
    .split("\n")
    .filter((l) => l.includes(integrationId) && l.includes(msg))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function setFaults(t: SimulatorTenant, rules: unknown[]): Promise<void> {
  await sim.control.request("PUT", `/_sim/tenants/${t.tenantId}/faults`, { rules });
}

describe("poller", { timeout: 600_000 }, () => {
  before(async () => {
    nats = await startNats();
    sim = await startSimulator({
      seed: 11,
      tenants: [
        { users: 150, groups: 30, applications: 12 },
        { users: 20 },
        { users: 60 },
        { users: 90 },
        { users: 10, licences: { p1: false, p2: false } },
      ],
    });
    const common = { NATS_URL: nats.url, ...graphEnv(sim) };
    await startService("auth", { ...common, TENANTLENS_DATA_DIR: tempDir("tl-poller-auth") });
    poller = await startService("poller", {
      ...common,
      POLL_INTERVAL_SECONDS: "0",
      POLL_CONCURRENCY: "2",
      MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
      PAGE_SIZE: "25",
      GRAPH_BACKOFF_BASE_MS: "100",
      // Four reads at once per tenant: the throttling test gives its tenant a small budget of
      // requests per second, and eight reads (each lending batch slots) against it once starved one
      // retried $batch item past its 20 throttled retries, ending the poll partial.
      TENANT_CONCURRENCY: "4",
      // The simulator's generated logs span the 30 days before today: the first window takes them all.
      LOG_LOOKBACK_DAYS: "60",
      LOG_LEVEL: "debug",
    });
    bus = await connectTestBus(nats, { service: "gateway", label: "poller-test", level: "warn" });
    const consumer = await bus.js.consumers.get("TL_COLLECT");
    reader = await consumer.consume();
    void (async () => {
      for await (const m of reader) {
        seen.push({ subject: m.subject, bytes: m.data.length, payload: m.json<Record<string, unknown>>() });
      }
    })();
  });

  after(async () => {
    await reader?.close();
    await stopStack(bus, sim, nats);
  });

  it("reads a small tenant completely, one poll at a time, in messages under the size limit", () =>
    withServiceLogs(async () => {
      const t = tenant(T.main);
      // Slow answers keep the first poll running long enough to ask for a second one meanwhile.
      await setFaults(t, [{ type: "slow", delayMs: 40, count: 1000 }]);
      const integration = await createIntegration(t, "Main");
      const started = await pollStartedFor(integration.id, 1);
      assert.equal(started.reason, "integration_created");
      assert.equal(started.tenantId, t.tenantId);
      assert.deepEqual(
        started.resources,
        catalog.map((r) => r.name),
      );
      const again = await bus.request(PollStart, {
        workspaceId: "default",
        integrationId: integration.id,
        reason: "manual",
      });
      assert.deepEqual(again, { pollId: started.pollId, alreadyRunning: true });

      const { completed, pages, done } = await completedPoll(started.pollId);
      await setFaults(t, []);
      assert.equal(completed.outcome, "succeeded", JSON.stringify(completed));
      assert.equal(completed.error, null);

      const expected = await stats(t);
      assert.deepEqual(Object.keys(expected).sort(), catalog.map((r) => r.name).sort());
      for (const [resource, count] of Object.entries(expected)) {
        const d = done.get(resource);
        assert.ok(d, `no ResourceCollected for ${resource}`);
        if (catalog.find((r) => r.name === resource)?.delegatedOnly) {
          // App-only integrations cannot read the signed-in admin's data: recorded, not failed.
          assert.equal(d.outcome, "not_collected", `${resource}: ${d.reason}`);
          assert.match(String(d.reason), /delegated/);
          continue;
        }
        assert.equal(d.outcome, "complete", `${resource}: ${d.reason}`);
        assert.equal(d.mode, "full");
        assert.equal(d.objectCount, count, `${resource} objectCount`);
        assert.equal(idsOf(pages, resource).size, count, `${resource} distinct ids`);
        // Pages 0..n-1, each with chunks 0..k: nothing missing, nothing twice.
        const mine = pages.filter((p) => p.resource === resource);
        assert.equal(new Set(mine.map((p) => p.page)).size, d.pages);
        for (let page = 0; page < d.pages; page++) {
          const chunks = mine
            .filter((p) => p.page === page)
            .map((p) => p.chunk)
            .sort((a, b) => a - b);
          assert.deepEqual(
            chunks,
            chunks.map((_, i) => i),
            `${resource} page ${page} chunks`,
          );
        }
      }
      assert.ok(done.get("users")!.pages > 1, "users span several Graph pages");
      assert.ok(
        pages.some((p) => p.chunk > 0),
        "some Graph page was split into chunks",
      );
      const mineSeen = seen.filter(
        (m) => (m.payload as { integrationId?: string }).integrationId === integration.id,
      );
      // Pages are chunked under the limit; the poll's summary grows with the catalog (a few hundred
      // bytes per resource), far below NATS's payload limit.
      for (const m of mineSeen) {
        const limit = m.subject.startsWith("poller.page.collected.") ? MAX_MESSAGE_BYTES : 256 * 1024;
        assert.ok(m.bytes < limit, `${m.subject} is ${m.bytes} bytes`);
      }

      // Memberships are exactly what /groups/{id}/members lists, group by group.
      const groupIds = [...idsOf(pages, "groups")].slice(0, 4);
      for (const g of groupIds) {
        const published = [...idsOf(pages, "groupMembers")].filter((id) => id.startsWith(`${g}:`)).sort();
        assert.deepEqual(published, await membersOf(t, g), `members of ${g}`);
      }
      const membership = pages.find((p) => p.resource === "groupMembers" && p.objects.length > 0)?.objects[0];
      assert.ok(membership);
      assert.equal(membership.id, `${membership.groupId}:${membership.memberId}`);
      assert.match(String(membership.memberType), /^#microsoft\.graph\./);
      for (const group of pages.filter((p) => p.resource === "groups").flatMap((p) => p.objects))
        assert.ok(!("members@delta" in group), "groups carry no membership annotations");
      const consent = pages.find((p) => p.resource === "adminConsentRequestPolicy")?.objects[0];
      assert.equal(consent?.id, "adminConsentRequestPolicy");

      // Delta links, and the log cursors kept beside them.
      assert.deepEqual(await deltaKeys(integration.id), [
        "administrativeUnits",
        "applications",
        "contacts",
        "devices",
        "directoryAudits",
        "directoryRoles",
        "groupMembers",
        "groups",
        "oauth2PermissionGrants",
        "servicePrincipals",
        "signIns",
        "users",
      ]);
    }));

  it("continues from the delta link and carries exactly the changes made since", () =>
    withServiceLogs(async () => {
      const t = tenant(T.main);
      const first = ofKind<Started>("poll", (p) => "reason" in p && p.tenantId === t.tenantId)[0];
      assert.ok(first);
      const id = first.integrationId;
      const previous = await completedPoll(first.pollId);
      const someUsers = [...idsOf(previous.pages, "users")];
      const someGroup = [...idsOf(previous.pages, "groups")][0];
      assert.ok(someUsers.length > 3 && someGroup);
      // A membership of another group, removed; and a user added to that group.
      const memberships = [...idsOf(previous.pages, "groupMembers")];
      const dropped = memberships.find(
        (m) =>
          !m.startsWith(`${someGroup}:`) &&
          !m.endsWith(`:${someUsers[2]}`) &&
          someUsers.includes(m.split(":")[1]!),
      );
      assert.ok(dropped);
      const [droppedGroup, droppedMember] = dropped.split(":") as [string, string];
      const joiner = someUsers.find(
        (u) => u !== someUsers[2] && u !== someGroup && !memberships.includes(`${droppedGroup}:${u}`),
      );
      assert.ok(joiner);

      const base = `/_sim/tenants/${t.tenantId}/objects`;
      const created = await sim.control.request<{ id: string }>("POST", base, {
        kind: "user",
        properties: { displayName: "Delta Newcomer", userPrincipalName: `newcomer@${t.initialDomain}` },
      });
      await sim.control.request("PATCH", `${base}/${someUsers[1]}`, { jobTitle: "Chief Delta Officer" });
      await sim.control.request("DELETE", `${base}/${someUsers[2]}?permanent=true`);
      await sim.control.request("DELETE", `${base}/${someGroup}`);
      await sim.control.request("DELETE", `${base}/${droppedGroup}/members/${droppedMember}`);
      await sim.control.request("POST", `${base}/${droppedGroup}/members`, { memberId: joiner });

      const { pollId, alreadyRunning } = await bus.request(PollStart, {
        workspaceId: "default",
        integrationId: id,
        reason: "manual",
      });
      assert.equal(alreadyRunning, false);
      const { completed, pages, done } = await completedPoll(pollId);
      assert.equal(completed.outcome, "succeeded", JSON.stringify(completed));

      const users = done.get("users")!;
      assert.equal(users.mode, "delta");
      assert.equal(users.outcome, "complete");
      assert.deepEqual([...idsOf(pages, "users")].sort(), [created.id, someUsers[1]].sort());
      // The users rows (sign-in activity and registration details rows carry user ids too).
      const patched = pages
        .filter((p) => p.resource === "users")
        .flatMap((p) => p.objects)
        .find((o) => o.id === someUsers[1]);
      assert.equal(patched?.jobTitle, "Chief Delta Officer");
      assert.deepEqual(
        pages.filter((p) => p.resource === "users").flatMap((p) => p.removed),
        [{ id: someUsers[2], reason: "deleted" }],
      );
      assert.deepEqual(
        pages.filter((p) => p.resource === "groups").flatMap((p) => p.removed),
        [{ id: someGroup, reason: "changed" }],
      );
      const groupMembers = done.get("groupMembers")!;
      assert.equal(groupMembers.mode, "delta");
      assert.equal(groupMembers.outcome, "complete");
      const memberPages = pages.filter((p) => p.resource === "groupMembers");
      assert.ok(
        memberPages.flatMap((p) => p.removed).some((r) => r.id === dropped),
        "the removed membership arrives as a removal",
      );
      assert.ok(memberPages.flatMap((p) => p.objects).some((o) => o.id === `${droppedGroup}:${joiner}`));
      for (const r of [
        "applications",
        "servicePrincipals",
        "oauth2PermissionGrants",
        "devices",
        "contacts",
      ]) {
        assert.equal(done.get(r)?.mode, "delta");
        assert.equal(done.get(r)?.objectCount, 0, r);
      }
      // Resources without delta are read in full every time.
      assert.equal(done.get("domains")?.mode, "full");
      assert.equal(done.get("domains")?.objectCount, (await stats(t)).domains);
    }));

  it("records a resource without permission as not collected, and the poll still succeeds", () =>
    withServiceLogs(async () => {
      const t = tenant(T.perm);
      for (const permission of ["Domain.Read.All", "Directory.Read.All", "Policy.Read.All"]) {
        await sim.control.setPermission(t.tenantId, { kind: "application", permission, granted: false });
      }
      const integration = await createIntegration(t, "Perm");
      const started = await pollStartedFor(integration.id, 1);
      const { completed, done } = await completedPoll(started.pollId);
      assert.equal(completed.outcome, "succeeded", JSON.stringify(completed));
      const domains = done.get("domains")!;
      assert.equal(domains.outcome, "not_collected");
      assert.match(domains.reason ?? "", /Permission not granted.*Domain\.Read\.All/);
      assert.equal(done.get("oauth2PermissionGrants")?.outcome, "not_collected");
      assert.equal(done.get("users")?.outcome, "complete");
      const simStats = await sim.control.request<Stats>("GET", `/_sim/tenants/${t.tenantId}/stats`);
      assert.equal(done.get("users")?.objectCount, simStats.users.total);
      for (const r of ["authorizationPolicy", "adminConsentRequestPolicy", "conditionalAccessPolicies"]) {
        assert.equal(done.get(r)?.outcome, "not_collected", r);
        assert.match(done.get(r)?.reason ?? "", /Permission not granted.*Policy\.Read\.All/, r);
      }
      const { cost, attempts, ...summary } = completed.resources.find((r) => r.resource === "domains") ?? {};
      assert.deepEqual(summary, {
        resource: "domains",
        mode: "full",
        outcome: "not_collected",
        reason: domains.reason,
        objectCount: 0,
      });
      // The refusal was one request: the cost says so.
      assert.equal(cost?.requests, 1);
      assert.equal(attempts, 1);
    }));

  it("records licence-gated resources of a tenant without P1/P2 as not collected", () =>
    withServiceLogs(async () => {
      const t = tenant(T.unlicensed);
      const integration = await createIntegration(t, "Unlicensed");
      const { completed, done } = await completedPoll((await pollStartedFor(integration.id, 1)).pollId);
      assert.equal(completed.outcome, "succeeded", JSON.stringify(completed));
      // Every resource the catalog marks as needing Entra ID P1 or P2.
      const gated = Object.fromEntries(
        catalog.flatMap((r) =>
          r.licence === "p1" || r.licence === "p2" ? [[r.name, r.licence.toUpperCase()]] : [],
        ),
      );
      assert.ok(Object.keys(gated).length >= 3);
      for (const [r, licence] of Object.entries(gated)) {
        const d = done.get(r);
        assert.equal(d?.outcome, "not_collected", r);
        assert.match(d?.reason ?? "", new RegExp(`licence does not include it \\(Entra ID ${licence}\\)`), r);
      }
      const delegatedOnly = new Set(catalog.filter((r) => r.delegatedOnly).map((r) => r.name));
      const others = completed.resources.filter(
        (r) => !(r.resource in gated) && !delegatedOnly.has(r.resource),
      );
      assert.equal(others.length, catalog.length - Object.keys(gated).length - delegatedOnly.size);
      for (const r of others) assert.equal(r.outcome, "complete", `${r.resource}: ${r.reason}`);
    }));

  it("completes under throttling with fractional and with missing Retry-After", () =>
    withServiceLogs(async () => {
      const t = tenant(T.throttle);
      const throttle = (retryAfter: string) =>
        sim.control.request("PUT", `/_sim/tenants/${t.tenantId}/throttling`, {
          enabled: true,
          retryAfter,
          windowSeconds: 1,
          budget: 16,
        });
      // Counted before throttling: the counting requests share the app's budget.
      const expected = await stats(t);
      await throttle("fraction");
      const integration = await createIntegration(t, "Throttled");
      // Every catalog resource under a small budget (16 requests/s, hundreds of requests): throttled
      // all the way through.
      const first = await completedPoll((await pollStartedFor(integration.id, 1)).pollId, 240_000);
      assert.equal(first.completed.outcome, "succeeded", JSON.stringify(first.completed));
      for (const [r, n] of Object.entries(expected)) assert.equal(first.done.get(r)?.objectCount, n, r);
      const honoured = pollerLogLines(integration.id, "Graph throttled; waiting");
      assert.ok(
        honoured.some((l) => l.basis === "retry-after" && /^\d+\.\d+$/.test(String(l.retryAfter))),
        "fractional Retry-After honoured",
      );

      await throttle("missing");
      const { pollId } = await bus.request(PollStart, {
        workspaceId: "default",
        integrationId: integration.id,
        full: true,
        reason: "manual",
      });
      const second = await completedPoll(pollId, 240_000);
      await sim.control.request("DELETE", `/_sim/tenants/${t.tenantId}/throttling`);
      assert.equal(second.completed.outcome, "succeeded", JSON.stringify(second.completed));
      // Logs keep their cursor through a full read: the second window holds only the overlap.
      for (const [r, n] of Object.entries(expected))
        if (!catalog.find((c) => c.name === r)?.log) assert.equal(second.done.get(r)?.objectCount, n, r);
      assert.equal(
        second.done.get("directoryAudits")?.mode,
        "delta",
        "a log window continues from its cursor",
      );
      assert.equal(second.done.get("users")?.mode, "full", "full: true ignores saved delta links");
      const backedOff = pollerLogLines(integration.id, "Graph throttled; waiting").filter(
        (l) => l.basis === "backoff",
      );
      assert.ok(backedOff.length > 0, "missing Retry-After falls back to backoff");
    }));

  it("ends a resource that fails midway as partial and keeps no delta link for it", () =>
    withServiceLogs(async () => {
      const t = tenant(T.fault);
      // Every follow-up page of /users fails with an expired page token: one resync is allowed, the second failure is final.
      await setFaults(t, [{ type: "expiredPageToken", count: 100, pathPrefix: "/users" }]);
      const integration = await createIntegration(t, "Faulty");
      const { completed, pages, done } = await completedPoll(
        (await pollStartedFor(integration.id, 1)).pollId,
      );
      await setFaults(t, []);
      assert.equal(completed.outcome, "partial", JSON.stringify(completed));
      const users = done.get("users")!;
      assert.equal(users.outcome, "partial");
      assert.match(users.reason ?? "", /ExpiredPageToken/);
      assert.ok(users.pages >= 1 && pages.some((p) => p.resource === "users"));
      assert.equal(done.get("groups")?.outcome, "complete");
      const keys = await deltaKeys(integration.id);
      assert.ok(!keys.includes("users"), "no delta link saved for a partial resource");
      assert.ok(keys.includes("groups"));

      // A single expired page token costs one full re-read, nothing more.
      await setFaults(t, [{ type: "expiredPageToken", count: 1, pathPrefix: "/users" }]);
      const { pollId } = await bus.request(PollStart, {
        workspaceId: "default",
        integrationId: integration.id,
        reason: "manual",
      });
      const retry = await completedPoll(pollId);
      await setFaults(t, []);
      assert.equal(retry.completed.outcome, "succeeded", JSON.stringify(retry.completed));
      assert.equal(retry.done.get("users")?.outcome, "complete");
      assert.equal(retry.done.get("users")?.mode, "full");
      assert.equal(idsOf(retry.pages, "users").size, (await stats(t)).users);
      assert.ok((await deltaKeys(integration.id)).includes("users"));
    }));
  it("stops on SIGTERM in the middle of a poll, closing the poll and every resource first", () =>
    withServiceLogs(async () => {
      const t = tenant(T.main);
      const first = ofKind<Started>("poll", (p) => "reason" in p && p.tenantId === t.tenantId)[0];
      assert.ok(first);
      await setFaults(t, [{ type: "slow", delayMs: 300, count: 1000 }]);
      const { pollId } = await bus.request(PollStart, {
        workspaceId: "default",
        integrationId: first.integrationId,
        full: true,
        reason: "manual",
      });
      await waitFor(() => ofKind<Page>("page", (p) => p.pollId === pollId).length > 0, {
        timeoutMs: 30_000,
        what: "a first page",
      });
      assert.equal(await poller.stop(), 0);
      await setFaults(t, []);
      const { completed, done } = await completedPoll(pollId);
      assert.notEqual(completed.outcome, "succeeded");
      assert.equal(completed.error, "The poll was cancelled");
      assert.deepEqual([...done.keys()].sort(), completed.resources.map((r) => r.resource).sort());
      assert.equal(done.size, catalog.length);
    }));
});
