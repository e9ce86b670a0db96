import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { catalog } from "@tenantlens/graph";

const PollIdPattern = /^poll_[a-z2-7]{20}$/;

import { collectedResources, newPollId, selectResources } from "./poll-manager.js";

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
});
