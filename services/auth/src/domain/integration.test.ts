import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IntegrationId } from "@tenantlens/contracts";
import {
  newIntegrationId,
  nextTimestamp,
  refusalReason,
  type StoredIntegration,
  toPublic,
} from "./integration.js";

const base: StoredIntegration = {
  id: "int_aaaaaaaaaaaaaaaaaaaa",
  workspaceId: "default",
  name: "Contoso",
  tenantId: "11111111-1111-1111-1111-111111111111",
  authMode: "app",
  clientId: "22222222-2222-2222-2222-222222222222",
  status: "active",
  statusReason: null,
  enabled: true,
  createdAt: "2024-01-01T00:00:00.000Z",
  updatedAt: "2024-01-01T00:00:00.000Z",
  clientSecret: {
    v: 1,
    alg: "A256GCM",
    kid: "k",
    iv: "aaaaaaaaaaaaaaaa",
    ct: "",
    tag: "aaaaaaaaaaaaaaaaaaaaaa==",
  },
};

describe("integration", () => {
  it("generates ids the contracts accept, all different", () => {
    const ids = new Set(Array.from({ length: 200 }, newIntegrationId));
    assert.equal(ids.size, 200);
    for (const id of ids) assert.ok(IntegrationId.safeParse(id).success, id);
  });

  it("never exposes the sealed secret", () => {
    const pub = toPublic(base);
    assert.equal("clientSecret" in pub, false);
    assert.equal(pub.id, base.id);
  });

  it("moves updatedAt strictly forward", () => {
    const same = new Date("2024-01-01T00:00:00.000Z");
    assert.equal(nextTimestamp(base.updatedAt, same), "2024-01-01T00:00:00.001Z");
    assert.equal(
      nextTimestamp(base.updatedAt, new Date("2024-02-01T00:00:00.000Z")),
      "2024-02-01T00:00:00.000Z",
    );
    assert.equal(
      nextTimestamp(base.updatedAt, new Date("2023-01-01T00:00:00.000Z")),
      "2024-01-01T00:00:00.001Z",
    );
  });

  it("refuses tokens for disabled, broken and pending integrations", () => {
    assert.equal(refusalReason(base), null);
    assert.equal(refusalReason({ ...base, enabled: false, status: "disabled" }), "disabled");
    assert.equal(refusalReason({ ...base, status: "broken", statusReason: "expired" }), "expired");
    assert.match(refusalReason({ ...base, status: "pending_consent" }) ?? "", /consent/);
    assert.match(refusalReason({ ...base, clientSecret: null }) ?? "", /credentials/);
    const delegated: StoredIntegration = { ...base, authMode: "delegated", clientSecret: null };
    assert.equal(refusalReason(delegated), null, "a delegated integration holds no client secret");
    assert.match(
      refusalReason({ ...delegated, status: "pending_consent", statusReason: null }) ?? "",
      /consent/,
    );
    assert.match(refusalReason({ ...delegated, tenantId: null }) ?? "", /no tenant/);
  });
});
