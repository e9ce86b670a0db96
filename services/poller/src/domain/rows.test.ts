import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resourceByName } from "@tenantlens/graph";
import { classifyGraphFailure } from "./graph-errors.js";
import { fanOutChildUrl, planRead } from "./request.js";
import { childrenOf, fanOutRows, withIds } from "./rows.js";

const def = (name: string) => {
  const r = resourceByName(name);
  assert.ok(r, name);
  return r;
};
const opts = { graphEndpoint: "https://graph.test/", deltaLink: null, full: false, pageSize: null };

describe("fan-out reads", () => {
  it("list the parents' ids first, then each parent's children with the child columns selected", () => {
    assert.equal(
      planRead(def("groupOwners"), opts).url,
      "https://graph.test/v1.0/groups?$select=id&$top=999",
    );
    assert.equal(planRead(def("teamMembers"), opts).url, "https://graph.test/v1.0/teams?$select=id");
    assert.equal(
      fanOutChildUrl(def("groupOwners"), "g1", opts),
      "https://graph.test/v1.0/groups/g1/owners?$select=id",
    );
    assert.equal(
      fanOutChildUrl(def("appRoleAssignments"), "sp1", { ...opts, pageSize: 50 }),
      "https://graph.test/v1.0/servicePrincipals/sp1/appRoleAssignedTo?$select=id,appRoleId,principalId,principalType,principalDisplayName,resourceId,resourceDisplayName,createdDateTime&$top=50",
    );
    // A parent path answers one object: no $top.
    assert.match(
      fanOutChildUrl(def("teamSettings"), "t1", { ...opts, pageSize: 5 }),
      /\/v1\.0\/teams\/t1\?\$select=id,displayName/,
    );
  });

  it("reads two levels: channel members per '<teamId>:<channelId>', channel ids keeping their colons", () => {
    // Channel members list their parents through the channels read, which lists the teams.
    assert.equal(planRead(def("channelMembers"), opts).url, "https://graph.test/v1.0/teams?$select=id");
    assert.equal(
      fanOutChildUrl(def("channelMembers"), "t1:19:abc@thread.tacv2", opts),
      "https://graph.test/v1.0/teams/t1/channels/19%3Aabc%40thread.tacv2/members?$select=id,userId,displayName,email,roles,tenantId",
    );
  });

  it("turns children into rows keyed by parent and child", () => {
    const owners = fanOutRows(def("applicationOwners"), "a1", [
      { "@odata.type": "#microsoft.graph.user", id: "u1" },
      { id: "" },
      "junk",
    ]);
    assert.deepEqual(owners.rows, [
      { id: "a1:u1", applicationId: "a1", ownerId: "u1", ownerType: "#microsoft.graph.user" },
    ]);
    assert.equal(owners.invalid, 2);
    const channels = fanOutRows(def("teamChannels"), "t1", [{ id: "19:c", displayName: "General" }]);
    assert.deepEqual(channels.rows, [{ id: "t1:19:c", teamId: "t1", displayName: "General" }]);
    assert.deepEqual(childrenOf({ value: [1] }), [1]);
    assert.deepEqual(childrenOf({ id: "t1", x: 1 }), [{ id: "t1", x: 1 }]);
    assert.equal(childrenOf({ value: "nope" }), null, "a malformed collection is refused");
    assert.equal(childrenOf({ error: "x" }), null);
  });

  it("keys id-less partner configurations by their tenant id", () => {
    const partners = def("crossTenantAccessPolicyPartners");
    assert.deepEqual(withIds(partners, [{ tenantId: "t9", x: 1 }, { id: "kept", tenantId: "t8" }, 5]), [
      { tenantId: "t9", x: 1, id: "t9" },
      { id: "kept", tenantId: "t8" },
      5,
    ]);
    assert.deepEqual(withIds(def("users"), [{ tenantId: "t9" }]), [{ tenantId: "t9" }], "others unchanged");
  });
});

describe("delegated-only resources", () => {
  it("are not collected, with the reason, when an app-only token is refused", () => {
    const me = classifyGraphFailure(
      {
        status: 400,
        code: "BadRequest",
        message: "/me request is only valid with delegated authentication flow.",
      },
      def("myContacts"),
    );
    assert.equal(me.kind, "not_collected");
    assert.match(me.reason, /signed-in admin of a delegated \(consent-link\) integration.*Contacts\.Read/);
    const lighthouse = classifyGraphFailure(
      { status: 403, code: "Authorization_RequestDenied", message: "Insufficient privileges" },
      def("managedTenants"),
    );
    assert.equal(lighthouse.kind, "not_collected");
    const cut = classifyGraphFailure(
      {
        status: 200,
        code: "SyntaxError",
        message: "Expected ',' or ']' after array element in JSON at position 1014",
      },
      def("secureScores"),
    );
    assert.deepEqual(cut, {
      kind: "failed",
      reason:
        "Malformed answer from Graph (SyntaxError): Expected ',' or ']' after array element in JSON at position 1014",
    });
    // Elsewhere a 400 is a failure.
    assert.equal(
      classifyGraphFailure({ status: 400, code: "BadRequest", message: "x" }, def("users")).kind,
      "failed",
    );
  });
});
