import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  domains,
  groupMembers,
  groups,
  namedLocations,
  organization,
  type ResourceDef,
  users,
} from "@tenantlens/graph";
import { splitDerived } from "./derived.js";
import { classifyGraphFailure } from "./graph-errors.js";
import { pollOutcome, resourceOutcomeAfterFailure } from "./outcome.js";
import { planRead, selectOf } from "./request.js";

const endpoint = "https://graph.example:8443";

describe("planRead", () => {
  it("selects the catalog columns' properties", () => {
    const sel = selectOf(users).split(",");
    assert.equal(sel[0], "id");
    assert.ok(sel.includes("userType") && sel.includes("accountEnabled"));
    assert.equal(sel.length, users.columns.length);
  });

  it("starts a delta resource with a full read of <path>/delta, then continues from the saved link", () => {
    const first = planRead(users, {
      graphEndpoint: `${endpoint}/`,
      deltaLink: null,
      full: false,
      pageSize: null,
    });
    assert.equal(first.mode, "full");
    assert.ok(first.url.startsWith(`${endpoint}/v1.0/users/delta?$select=id,`));
    assert.ok(!first.url.includes("$top"));
    const saved = `${endpoint}/v1.0/users/delta?$deltatoken=abc`;
    const next = planRead(users, { graphEndpoint: endpoint, deltaLink: saved, full: false, pageSize: 50 });
    assert.deepEqual(next, {
      url: saved,
      mode: "delta",
      headers: { Prefer: "odata.maxpagesize=50" },
      expectsDeltaLink: true,
    });
    assert.equal(
      planRead(groups, { graphEndpoint: endpoint, deltaLink: saved, full: true, pageSize: null }).mode,
      "full",
    );
  });

  it("uses $top for plain lists, with the override only where the catalog pages", () => {
    const list: ResourceDef = { ...users, delta: false };
    assert.ok(
      planRead(list, { graphEndpoint: endpoint, deltaLink: null, full: false, pageSize: null }).url.endsWith(
        "&$top=999",
      ),
    );
    assert.ok(
      planRead(list, { graphEndpoint: endpoint, deltaLink: null, full: false, pageSize: 25 }).url.endsWith(
        "&$top=25",
      ),
    );
    assert.ok(
      !planRead(domains, {
        graphEndpoint: endpoint,
        deltaLink: null,
        full: false,
        pageSize: 25,
      }).url.includes("$top"),
    );
    assert.ok(
      !planRead(organization, {
        graphEndpoint: endpoint,
        deltaLink: null,
        full: false,
        pageSize: null,
      }).url.includes("$top"),
    );
  });
});

describe("classifyGraphFailure", () => {
  it("records missing permission and licence as not collected, with the reason", () => {
    const denied = classifyGraphFailure(
      { status: 403, code: "Authorization_RequestDenied", message: "Insufficient privileges" },
      users,
    );
    assert.equal(denied.kind, "not_collected");
    assert.match(denied.kind === "not_collected" ? denied.reason : "", /User\.Read\.All/);
    const lic = classifyGraphFailure(
      { status: 403, code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant", message: "premium" },
      users,
    );
    assert.equal(lic.kind, "not_collected");
  });

  it("asks for a resync on 410, syncStateNotFound and expired page tokens", () => {
    assert.equal(classifyGraphFailure({ status: 410, code: null, message: "gone" }, users).kind, "resync");
    assert.equal(
      classifyGraphFailure({ status: 400, code: "syncStateNotFound", message: "x" }, users).kind,
      "resync",
    );
    assert.equal(
      classifyGraphFailure({ status: 400, code: "Directory_ExpiredPageToken", message: "x" }, users).kind,
      "resync",
    );
  });

  it("fails on everything else", () => {
    assert.equal(
      classifyGraphFailure({ status: 500, code: "UnknownError", message: "x" }, users).kind,
      "failed",
    );
    assert.equal(
      classifyGraphFailure({ status: 403, code: "Forbidden", message: "x" }, users).kind,
      "failed",
    );
    assert.equal(
      classifyGraphFailure({ status: null, code: null, message: "ECONNRESET" }, users).kind,
      "failed",
    );
  });
});

describe("pollOutcome", () => {
  it("succeeds when everything is complete or not collected", () => {
    assert.equal(pollOutcome(["complete", "not_collected", "complete"], false), "succeeded");
    assert.equal(pollOutcome([], false), "succeeded");
  });
  it("is partial when some failed, failed when all did or the token was missing", () => {
    assert.equal(pollOutcome(["complete", "failed"], false), "partial");
    assert.equal(pollOutcome(["complete", "partial"], false), "partial");
    assert.equal(pollOutcome(["failed", "not_collected", "failed"], false), "failed");
    assert.equal(pollOutcome(["partial", "failed"], false), "partial");
    assert.equal(pollOutcome(["complete"], true), "failed");
  });
  it("calls a failure after published pages partial", () => {
    assert.equal(resourceOutcomeAfterFailure(0), "failed");
    assert.equal(resourceOutcomeAfterFailure(2), "partial");
  });
});

describe("derived resources", () => {
  it("adds the relation to the parent's $select and never plans the derived resource itself", () => {
    assert.ok(selectOf(groups).split(",").includes("members"));
    assert.throws(() =>
      planRead(groupMembers, { graphEndpoint: endpoint, deltaLink: null, full: false, pageSize: null }),
    );
  });

  it("turns members@delta into membership rows and removals, and strips it from the group", () => {
    const g = {
      id: "g1",
      displayName: "G",
      "members@delta": [
        { "@odata.type": "#microsoft.graph.user", id: "u1" },
        { "@odata.type": "#microsoft.graph.group", id: "g2", "@removed": { reason: "deleted" } },
        { id: "" },
      ],
    };
    const { parents, pages } = splitDerived([g, { id: "g3" }], [groupMembers]);
    assert.deepEqual(parents, [{ id: "g1", displayName: "G" }, { id: "g3" }]);
    assert.deepEqual(pages[0]?.objects, [
      { id: "g1:u1", groupId: "g1", memberId: "u1", memberType: "#microsoft.graph.user" },
    ]);
    assert.deepEqual(pages[0]?.removed, [{ id: "g1:g2", reason: "deleted" }]);
  });

  it("reads polymorphic collections without $select", () => {
    const plan = planRead(namedLocations, {
      graphEndpoint: endpoint,
      deltaLink: null,
      full: false,
      pageSize: 25,
    });
    assert.equal(plan.url, `${endpoint}/v1.0/identity/conditionalAccess/namedLocations`);
  });
});
