import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  batchBody,
  batchTally,
  batchUrl,
  MalformedBatchAnswer,
  parseBatchAnswer,
  relativeUrl,
  subError,
} from "./batch.js";

describe("$batch requests and answers", () => {
  it("makes URLs relative to the version, and refuses other hosts and versions", () => {
    const g = "https://graph.example:8443";
    assert.equal(batchUrl(`${g}/`, "v1.0"), `${g}/v1.0/$batch`);
    assert.equal(
      relativeUrl(`${g}/v1.0/groups/a/owners?$select=id&$skiptoken=X%2FY`, g, "v1.0"),
      "/groups/a/owners?$select=id&$skiptoken=X%2FY",
    );
    assert.equal(relativeUrl(`${g}/beta/teams/a`, g, "beta"), "/teams/a");
    assert.equal(relativeUrl(`${g}/beta/teams/a`, g, "v1.0"), null);
    assert.equal(relativeUrl("https://elsewhere.example/v1.0/users", g, "v1.0"), null);
    assert.equal(relativeUrl("not a url", g, "v1.0"), null);
  });

  it("builds GET batches of 1 to 20 requests", () => {
    assert.deepEqual(batchBody([{ id: "1", url: "/users", headers: { "client-request-id": "x" } }]), {
      requests: [{ id: "1", method: "GET", url: "/users", headers: { "client-request-id": "x" } }],
    });
    assert.throws(() => batchBody([]));
    assert.throws(() => batchBody(Array.from({ length: 21 }, (_, k) => ({ id: String(k), url: "/users" }))));
  });

  it("reads each item's answer in the order asked, header names in lower case", () => {
    const answers = parseBatchAnswer(
      {
        responses: [
          { id: "2", status: 429, headers: { "Retry-After": "2.5" }, body: { error: { code: "TooMany" } } },
          { id: "1", status: 200, body: { value: [] } },
        ],
      },
      ["1", "2"],
    );
    assert.deepEqual(
      answers.map((a) => [a.id, a.status, a.headers]),
      [
        ["1", 200, {}],
        ["2", 429, { "retry-after": "2.5" }],
      ],
    );
    assert.deepEqual(subError(answers[1] as (typeof answers)[number]), {
      code: "TooMany",
      message: "HTTP 429",
    });
  });

  it("refuses answers without Graph's shape or without an item asked for", () => {
    for (const body of [null, {}, { responses: {} }, { responses: [{ id: 1, status: 200 }] }])
      assert.throws(() => parseBatchAnswer(body, ["1"]), MalformedBatchAnswer);
    assert.throws(
      () => parseBatchAnswer({ responses: [{ id: "1", status: 200 }] }, ["1", "2"]),
      /no response for request '2'/,
    );
  });

  it("tallies items, throttled items with their Retry-After, and resource units", () => {
    assert.deepEqual(
      batchTally({
        responses: [
          { id: "1", status: 200, headers: { "x-ms-resource-unit": "2" } },
          { id: "2", status: 429, headers: { "Retry-After": "1.5", "x-ms-resource-unit": "1" } },
          { id: "3", status: 429 },
        ],
      }),
      { answered: 3, throttled: ["1.5", null], units: 3 },
    );
    assert.deepEqual(batchTally("garbage"), { answered: 0, throttled: [], units: 0 });
  });
});
