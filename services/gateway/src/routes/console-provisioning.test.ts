import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AppError,
  type Operation,
  OperationGet,
  OperationList,
  ProvisioningGet,
  type ProvisioningState,
  SettingsGet,
} from "@tenantlens/contracts";
import { type ConsoleSession, consoleSignIn } from "../testing/console.js";
import { type Harness, PUBLIC_URL, startHarness } from "../testing/harness.js";

/**
 * The console's provisioning pages over a real nats-server, with the provisioning subjects answered
 * by stand-ins the test controls: what an admin and a viewer see, the forms (a request id each, the
 * session's CSRF token), and an operation's record (a stopped step says "not attempted"). The real
 * flow, through every service and the simulator, is in e2e/console-provisioning.test.ts.
 */
describe("console: provisioning pages", () => {
  let h: Harness;
  let admin: ConsoleSession;
  let viewer: ConsoleSession;
  let integrationId = "";
  const state: { status: ProvisioningState["status"] } = { status: "off" };
  const ops: Operation[] = [];

  before(async () => {
    h = await startHarness();
    h.bus.serve(ProvisioningGet, async (req) => ({
      integrationId: req.id,
      status: state.status,
      permissions: ["User.ReadWrite.All", "GroupMember.ReadWrite.All"],
      kind: "delegated" as const,
      updatedAt: null,
      message: state.status === "on" ? "Provisioning is enabled." : "Provisioning is off.",
    }));
    h.bus.serve(OperationList, async (req) => ({
      operations: ops.filter((o) => o.workspaceId === req.workspaceId),
    }));
    h.bus.serve(OperationGet, async (req) => {
      const o = ops.find((x) => x.id === req.id && x.workspaceId === req.workspaceId);
      if (!o) throw new AppError("not_found", `no operation ${req.id}`);
      return o;
    });
    h.bus.serve(SettingsGet, async () => ({ protectedUsers: ["breakglass@contoso.example"] }));
    admin = await consoleSignIn(h.app, PUBLIC_URL, h.adminKey);
    viewer = await consoleSignIn(h.app, PUBLIC_URL, h.viewerKey);
    const created = await h.call("POST", "/api/integrations", {
      body: {
        name: "Contoso",
        tenantId: "6f1c5e2a-8a53-4f7e-9b8e-2f0d7a1c3b4d",
        auth: { mode: "delegated" },
      },
    });
    integrationId = ((await created.json()) as { id: string }).id;
    const at = new Date().toISOString();
    ops.push({
      id: "op_0123456789abcdef01234567",
      workspaceId: "default",
      integrationId,
      requestId: "console-offboard-1",
      actor: "key_admin",
      kind: "offboard_user",
      input: { userId: "<b>jdoe</b>@contoso.example", removeLicenses: false },
      dryRun: false,
      status: "partial",
      summary: "Done: Disable sign-in. Failed: Remove from group Sales. Not done: Remove from group Finance.",
      targetUserId: "11111111-2222-3333-4444-555555555555",
      steps: [
        {
          name: "Disable sign-in",
          request: {
            method: "PATCH",
            url: "https://graph.example/v1.0/users/x",
            body: { accountEnabled: false },
          },
          outcome: "done",
          httpStatus: 204,
          attempts: 1,
          error: null,
        },
        {
          name: "Remove from group Sales",
          request: {
            method: "DELETE",
            url: "https://graph.example/v1.0/groups/a/members/x/$ref",
            body: null,
          },
          outcome: "failed",
          httpStatus: 500,
          attempts: 1,
          error: "generalException: boom",
        },
        {
          name: "Remove from group Finance",
          request: {
            method: "DELETE",
            url: "https://graph.example/v1.0/groups/b/members/x/$ref",
            body: null,
          },
          outcome: "planned",
          httpStatus: null,
          attempts: 0,
          error: null,
        },
      ],
      startedAt: at,
      finishedAt: at,
    });
  });
  after(() => h.stop());

  const get = (path: string, s: ConsoleSession) =>
    h.app.request(`${PUBLIC_URL}${path}`, { headers: { cookie: s.cookie } });

  it("shows the provisioning section to an admin, with Enable through consent; a viewer gets no control", async () => {
    const page = await (await get(`/console/integrations/${integrationId}`, admin)).text();
    assert.match(page, /<h2 id="prov-h">Provisioning<\/h2>/);
    assert.match(page, /data-provisioning-status="off"/);
    assert.match(
      page,
      new RegExp(
        `data-api="/api/integrations/${integrationId}/provisioning/enable"[^>]*data-follow="consentUrl"`,
      ),
    );
    assert.match(page, /User\.ReadWrite\.All/);
    assert.match(page, /href="\/console\/provisioning"/, "the nav links the provisioning section");
    const viewerPage = await (await get(`/console/integrations/${integrationId}`, viewer)).text();
    assert.doesNotMatch(viewerPage, /\/provisioning\/enable/);
    assert.doesNotMatch(viewerPage, /href="\/console\/provisioning"/);
    assert.match(viewerPage, /managed with an admin key/);

    state.status = "on";
    const on = await (await get(`/console/integrations/${integrationId}`, admin)).text();
    assert.match(on, /data-api="[^"]+\/provisioning\/disable"[^>]*data-confirm=/, "disable asks first");
    assert.match(on, new RegExp(`href="/console/integrations/${integrationId}/provisioning"`));
  });

  it("offers a certificate instead of a client secret in the app-only connect form", async () => {
    const page = await (await get("/console/integrations", admin)).text();
    const form =
      page.match(/<form[^>]*>(?:(?!<\/form>)[\s\S])*Connect with certificate[\s\S]*?<\/form>/)?.[0] ?? "";
    assert.match(form, /data-api="\/api\/integrations"/);
    for (const name of [
      "auth.clientId",
      "auth.certificate.privateKeyPem",
      "auth.certificate.certificatePem",
      "auth.certificate.thumbprint",
    ])
      assert.match(form, new RegExp(`name="${name.replaceAll(".", "\\.")}"`), name);
    assert.doesNotMatch(form, /auth\.clientSecret/);
    assert.match(form, /type="file"[^>]*data-fill="c-key"/, "the key can be read from a file");
  });

  it("offers each operation as a form with a request id, the CSRF token, Preview and Run", async () => {
    const res = await get(`/console/integrations/${integrationId}/provisioning`, admin);
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.match(page, /<\/main>\s*<footer class="muted">/, "the page's end is markup, not escaped text");
    assert.doesNotMatch(page, /&lt;\/main&gt;/);
    const forms = page.match(/data-provision="[^"]+"/g) ?? [];
    assert.equal(forms.length, 5);
    for (const f of forms)
      assert.equal(f, `data-provision="/api/integrations/${integrationId}/provisioning/operations"`);
    const ids = [...page.matchAll(/name="requestId"[^>]*value="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(ids.length, 5);
    assert.equal(new Set(ids).size, 5, "each form has its own request id");
    for (const id of ids) assert.match(id ?? "", /^[A-Za-z0-9_-]{8,100}$/);
    assert.equal((page.match(new RegExp(`name="csrf" value="${admin.csrf}"`, "g")) ?? []).length, 6);
    for (const kind of ["create_user", "update_user", "disable_user", "add_group_member", "offboard_user"])
      assert.match(page, new RegExp(`value="${kind}"`));
    assert.equal((page.match(/Preview \(dry run\)/g) ?? []).length, 5);
    assert.equal((await get(`/console/integrations/${integrationId}/provisioning`, viewer)).status, 403);
  });

  it("lists operations and shows one with each Graph request; a stopped step is 'not attempted'", async () => {
    const list = await get(`/console/provisioning?integration=${integrationId}`, admin);
    assert.equal(list.status, 200);
    const listed = await list.text();
    assert.match(listed, /data-operation="op_0123456789abcdef01234567"/);
    assert.match(listed, /&lt;b&gt;jdoe&lt;\/b&gt;/, "values are escaped");
    assert.match(listed, /breakglass@contoso\.example/, "the protected accounts");
    assert.match(listed, /data-method="PUT"/);
    const viewerList = await get("/console/provisioning", viewer);
    assert.equal(viewerList.status, 403);
    assert.match(await viewerList.text(), /admin role/);

    const one = await (
      await get("/console/provisioning/operations/op_0123456789abcdef01234567", admin)
    ).text();
    assert.match(one, /id="operation-report"/);
    assert.match(one, /key_admin/);
    assert.match(one, /console-offboard-1/);
    assert.match(one, /PATCH https:\/\/graph\.example\/v1\.0\/users\/x/);
    assert.match(one, /generalException: boom/);
    assert.match(one, /not attempted/);
    const missing = await get("/console/provisioning/operations/op_ffffffffffffffffffffffff", admin);
    assert.equal(missing.status, 404);
  });
});
