import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { cleanup, tempDir, waitFor } from "@tenantlens/testkit";
import { createTransport } from "nodemailer";
import { type CatcherProcess, startCatcherProcess } from "./process.js";

describe("mail catcher (its own process)", () => {
  let catcher: CatcherProcess | undefined;
  after(async () => {
    await catcher?.stop();
    await cleanup();
  });

  it("accepts SMTP mail with or without a login, keeps it as .eml and lists it in the viewer", async () => {
    catcher = await startCatcherProcess(tempDir("tl-mail"), { viewer: true });
    assert.match(catcher.smtpUrl, /^smtp:\/\/127\.0\.0\.1:\d+$/);
    const u = new URL(catcher.smtpUrl);
    for (const auth of [undefined, { user: "demo", pass: "demo" }]) {
      const transport = createTransport({ host: u.hostname, port: Number(u.port), ignoreTLS: true, auth });
      await transport.sendMail({
        from: "tenantlens@example.com",
        to: ["a@example.com", "b@example.com"],
        subject: auth ? "with login" : "without login",
        text: "plain body",
        html: "<p>html <b>body</b></p>",
      });
      transport.close();
    }
    const mails = await waitFor(
      async () => {
        const m = await catcher?.messages();
        return m && m.length === 2 ? m : undefined;
      },
      { what: "two messages" },
    );
    assert.deepEqual(
      mails.map((m) => m.subject),
      ["without login", "with login"],
    );
    assert.equal(mails[0]?.text?.trim(), "plain body");
    assert.match(String(mails[0]?.html), /<b>body<\/b>/);

    const list = (await (await fetch(`${catcher.httpUrl}/messages`)).json()) as {
      id: string;
      subject: string;
      to: string[];
    }[];
    assert.deepEqual(
      list.map((m) => m.subject),
      ["with login", "without login"],
    );
    assert.deepEqual(list[0]?.to, ["a@example.com", "b@example.com"]);
    const page = await fetch(`${catcher.httpUrl}/`);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.match(await page.text(), /Caught mail \(2\)/);
    const html = await fetch(`${catcher.httpUrl}/messages/${list[0]?.id}`);
    assert.match(await html.text(), /<b>body<\/b>/);
    assert.equal((await fetch(`${catcher.httpUrl}/messages/..%2Fx`)).status, 404);
  });
});
