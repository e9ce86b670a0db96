import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { catalog, resourceByName } from "@tenantlens/graph";

const PollIdPattern = /^poll_[a-z2-7]{20}$/;

import { collectedResources, newPollId, readOrder, selectResources } from "./poll-manager.js";

describe("selectResources", () => {
  it("keeps catalog order and rejects unknown names", () => {
    assert.deepEqual(
      selectResources(undefined).map((r) => r.name),
      catalog.map((r) => r.name),
    );
    assert.deepEqual(
      selectResources(["domains", "users"]).map((r) => r.name),
      ["domains", "users"],
    );
    // Memberships ride on the groups delta: either name brings the other.
    for (const names of [["groups"], ["groupMembers"]]) {
      assert.deepEqual(
        selectResources(names).map((r) => r.name),
        ["groups", "groupMembers"],
      );
    }
    assert.throws(() => selectResources(["users", "nope"]), /unknown resource/);
  });

  it("limits every poll to the deployment's POLL_RESOURCES (with what is read together with them)", () => {
    const collected = collectedResources(["users", "groupMembers"]);
    assert.deepEqual([...(collected ?? [])].sort(), ["groupMembers", "groups", "users"]);
    assert.equal(collectedResources([]), undefined, "empty: every resource");
    assert.deepEqual(
      selectResources(undefined, collected).map((r) => r.name),
      ["users", "groups", "groupMembers"],
    );
    assert.deepEqual(
      selectResources(["groups"], collected).map((r) => r.name),
      ["groups", "groupMembers"],
    );
    assert.throws(
      () => selectResources(["users", "domains"], collected),
      /not collected by this deployment.*domains/,
    );
  });

  it("mints poll ids the contracts accept", () => {
    assert.match(newPollId(), PollIdPattern);
  });

  it("takes per-parent reads up first, then delta collections, then logs, then the rest", () => {
    const order = readOrder(catalog.filter((r) => !r.derived));
    const rank = (n: string) => order.findIndex((r) => r.name === n);
    assert.ok(rank("groupOwners") < rank("users"));
    assert.ok(rank("appRoleAssignments") < rank("groups"));
    assert.ok(rank("users") < rank("signIns"));
    assert.ok(rank("signIns") < rank("organization"));
    assert.equal(order.length, catalog.filter((r) => !r.derived).length);
    // Per-parent reads of directory collections first, those of teams and reviews after the delta
    // collections; catalog order within a kind.
    assert.ok(rank("users") < rank("teamMembers"));
    // A report of every user (a thousand pages for 100,000 users) before the delta collections.
    assert.ok(rank("userRegistrationDetails") < rank("users"));
    assert.ok(rank("teamMembers") < rank("signIns"));
    const directoryFan = catalog
      .filter((r) => r.fanOut && resourceByName(r.fanOut.from)?.delta)
      .map((r) => r.name);
    assert.deepEqual(
      order.slice(0, directoryFan.length).map((r) => r.name),
      directoryFan,
    );
  });
});
