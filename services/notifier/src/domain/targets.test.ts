import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { blockedReason, isAllowed, parseAllowList, refusal } from "./targets.js";

describe("webhook targets", () => {
  it("classifies internal addresses and lets public ones through", () => {
    const blocked: Record<string, RegExp> = {
      "127.0.0.1": /loopback/,
      "127.255.0.9": /loopback/,
      "::1": /loopback/,
      "0.0.0.0": /unspecified/,
      "::": /unspecified/,
      "10.0.0.1": /private/,
      "172.31.255.1": /private/,
      "192.168.0.10": /private/,
      "100.64.0.1": /shared/,
      "169.254.169.254": /cloud metadata/,
      "169.254.10.1": /link-local/,
      "fe80::1": /link-local/,
      "fd12:3456::1": /unique-local/,
      "fd00:ec2::254": /cloud metadata/,
      "224.0.0.251": /multicast/,
      "ff02::1": /multicast/,
      "::ffff:127.0.0.1": /IPv4-mapped/,
      "::ffff:8.8.8.8": /IPv4-mapped/,
      "::127.0.0.1": /IPv4-compatible/,
      "255.255.255.255": /reserved/,
      "64:ff9b::a00:1": /NAT64/,
      "2002:7f00:1::": /6to4/,
      "[::1]": /loopback/,
    };
    for (const [ip, reason] of Object.entries(blocked))
      assert.match(blockedReason(ip) ?? "allowed", reason, ip);
    for (const ip of [
      "93.184.216.34",
      "8.8.8.8",
      "1.1.1.1",
      "2606:4700:4700::1111",
      "172.32.0.1",
      "100.128.0.1",
    ])
      assert.equal(blockedReason(ip), null, ip);
  });

  it("parses the allow-list and applies hosts, ports and CIDRs exactly", () => {
    const allow = parseAllowList(
      "hooks.internal, 127.0.0.1:8080 ,[::1]:9000, 10.0.0.0/8, fd00::/8, Mail.Local:25",
    );
    assert.deepEqual(
      allow.map((e) => [e.kind, e.value, e.port]),
      [
        ["host", "hooks.internal", null],
        ["ip", "127.0.0.1", 8080],
        ["ip", "::1", 9000],
        ["cidr", "10.0.0.0", null],
        ["cidr", "fd00::", null],
        ["host", "mail.local", 25],
      ],
    );
    assert.equal(isAllowed(allow, "hooks.internal", 443, "10.9.9.9"), true);
    assert.equal(isAllowed(allow, "HOOKS.internal.", 80, "192.168.1.1"), true);
    assert.equal(isAllowed(allow, "127.0.0.1", 8080, "127.0.0.1"), true);
    assert.equal(isAllowed(allow, "127.0.0.1", 8081, "127.0.0.1"), false);
    assert.equal(isAllowed(allow, "[::1]", 9000, "::1"), true);
    assert.equal(isAllowed(allow, "x.example", 80, "10.1.2.3"), true);
    assert.equal(isAllowed(allow, "x.example", 80, "fd00::5"), true);
    assert.equal(isAllowed(allow, "x.example", 80, "192.168.1.1"), false);
    // An IPv4 rule does not open IPv4-mapped IPv6 addresses, nor the other way round.
    assert.equal(isAllowed(allow, "x.example", 80, "::ffff:10.1.2.3"), false);
    assert.equal(isAllowed(parseAllowList("::/0"), "x.example", 80, "10.1.2.3"), false);
    for (const bad of ["10.0.0.0/33", "http://x", "a b", "host:0", "::1/129"])
      assert.throws(() => parseAllowList(bad), new RegExp(bad.replace(/[/.*+?^${}()|[\]\\]/g, "\\$&")));
  });

  it("says why a target is refused, and where the name pointed", () => {
    const msg = refusal([], new URL("http://metadata.example/"), "169.254.169.254");
    assert.match(msg ?? "", /metadata\.example resolves to 169\.254\.169\.254, the cloud metadata endpoint/);
    assert.match(
      refusal([], new URL("http://2130706433:81/"), "127.0.0.1") ?? "",
      /127\.0\.0\.1 is a loopback address/,
    );
    assert.equal(
      refusal(parseAllowList("127.0.0.1:81"), new URL("http://0x7f000001:81/"), "127.0.0.1"),
      null,
    );
  });
});
