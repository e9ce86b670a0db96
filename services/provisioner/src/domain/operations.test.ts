import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OperationStep } from "@tenantlens/contracts";
import {
  createUserRequest,
  fingerprint,
  isLastGlobalAdmin,
  isProtected,
  operationId,
  redactInput,
  statusOf,
  summarize,
  view,
} from "./operations.js";

const step = (name: string, outcome: OperationStep["outcome"], write = true) => ({
  name,
  request: { method: write ? ("PATCH" as const) : ("GET" as const), url: "u", body: null },
  outcome,
  httpStatus: outcome === "done" ? 204 : outcome === "failed" ? 500 : null,
  attempts: outcome === "planned" ? 0 : 1,
  error: outcome === "failed" ? "boom" : null,
  write,
});

describe("provisioning domain", () => {
  it("derives one operation id per workspace and request id", () => {
    assert.equal(operationId("ws", "req-12345678"), operationId("ws", "req-12345678"));
    assert.notEqual(operationId("ws", "req-12345678"), operationId("ws2", "req-12345678"));
    assert.match(operationId("ws", "req-12345678"), /^op_[a-f0-9]{24}$/);
  });

  it("never records or shows a password, but tells two passwords apart", () => {
    const op = {
      kind: "create_user" as const,
      user: {
        displayName: "A",
        userPrincipalName: "a@x.example",
        mailNickname: "a",
        password: "secret-one-1",
        accountEnabled: true,
        forceChangePasswordNextSignIn: true,
      },
    };
    assert.ok(!JSON.stringify(redactInput(op)).includes("secret-one-1"));
    const req = createUserRequest("https://g/v1.0", op);
    assert.ok(JSON.stringify(req.body).includes("secret-one-1"), "sent");
    assert.ok(!JSON.stringify(view(req)).includes("secret-one-1"), "shown");
    const other = { ...op, user: { ...op.user, password: "secret-two-2" } };
    assert.notEqual(fingerprint("int_a", false, op), fingerprint("int_a", false, other));
  });

  it("protects listed accounts by id or UPN, case-insensitively", () => {
    const u = { id: "0000-AB", userPrincipalName: "Break.Glass@x.example" };
    assert.ok(isProtected(["break.glass@X.EXAMPLE"], u));
    assert.ok(isProtected(["0000-ab"], u));
    assert.ok(!isProtected(["someone@x.example"], u));
  });

  it("finds the last enabled Global Administrator", () => {
    const user = "#microsoft.graph.user";
    const members = [
      { id: "a", type: user, accountEnabled: true },
      { id: "b", type: user, accountEnabled: false },
      { id: "sp", type: "#microsoft.graph.servicePrincipal", accountEnabled: true },
    ];
    assert.ok(isLastGlobalAdmin(members, "a"));
    assert.ok(!isLastGlobalAdmin([...members, { id: "c", type: user, accountEnabled: null }], "a"));
    assert.ok(!isLastGlobalAdmin(members, "z"), "not a Global Administrator at all");
  });

  it("calls an operation partial when a write was done before the failure, and says what was not done", () => {
    const steps = [
      step("Read user", "done", false),
      step("Disable", "done"),
      step("Remove A", "failed"),
      step("Remove B", "planned"),
    ];
    assert.equal(statusOf(steps, false), "partial");
    assert.equal(statusOf([step("Read user", "done", false), step("Disable", "failed")], false), "failed");
    assert.equal(statusOf([step("Disable", "done"), step("Dyn", "skipped")], false), "succeeded");
    assert.equal(statusOf([step("Disable", "planned")], true), "planned");
    const text = summarize("offboard_user", "partial", steps);
    assert.match(
      text,
      /Done: Disable\. Failed: Remove A \(boom\)\. Not done \(stopped after the failure\): Remove B\./,
    );
  });
});
