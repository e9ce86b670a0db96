import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { domains, groups, organization, type ResourceDef, users } from "@tenantlens/graph";
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
