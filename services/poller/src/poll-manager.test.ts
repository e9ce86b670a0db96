import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { catalog } from "@tenantlens/graph";

const PollIdPattern = /^poll_[a-z2-7]{20}$/;

import { newPollId, selectResources } from "./poll-manager.js";

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

  it("mints poll ids the contracts accept", () => {
    assert.match(newPollId(), PollIdPattern);
  });
});
