import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pollStage } from "./assets/poll-stage.js";

const resource = (state: string, objects: number, estimate: number | null) => ({ state, objects, estimate });

describe("pollStage (the console's progress bar)", () => {
  it("moves with the objects read against each resource's estimate", () => {
    const poll = {
      status: "running",
      resources: [],
      progress: [resource("done", 100, 100), resource("running", 250, 1000), resource("pending", 0, 400)],
    };
    const s = pollStage(poll, 84);
    // (1 + 0.25 + 0) / 3 of the reading stage (70 points) after the start (10)
    assert.equal(s.value, 10 + Math.round((70 * 1.25) / 3));
    assert.equal(s.label, "collecting: 350 of about 1,500 objects, 1 of 3 tables read");
    assert.equal(s.done, false);
  });

  it("never shows a running resource as finished, even past its estimate", () => {
    const s = pollStage({ status: "running", resources: [], progress: [resource("running", 5000, 10)] }, 84);
    assert.ok(s.value < 80);
    assert.equal(s.label, "collecting: 5,000 objects, 0 of 1 tables read");
  });

  it("falls back to tables read without live progress, then committing and finished", () => {
    assert.equal(pollStage({ status: "running", resources: [1, 2], progress: [] }, 4).value, 45);
    assert.deepEqual(pollStage({ status: "committing", resources: [] }, 4), {
      value: 90,
      label: "committing: making the data queryable",
      done: false,
    });
    assert.equal(pollStage({ status: "partial", resources: [] }, 4).value, 100);
    assert.equal(pollStage(null, 4).done, true);
  });

  it("keeps following an active integration whose first poll has not started yet", () => {
    assert.deepEqual(pollStage(null, 4, true), {
      value: 0,
      label: "waiting for the first poll",
      done: false,
    });
  });
});
