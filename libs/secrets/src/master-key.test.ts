import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { cleanup, tempDir } from "@tenantlens/testkit";
import { keyFilePath, loadMasterKey } from "./master-key.js";

describe("loadMasterKey", () => {
  after(() => cleanup());

  it("creates a 0600 key file on first start and reuses it", () => {
    const dir = tempDir("tl-key");
    const first = loadMasterKey({ dataDir: dir });
    assert.equal(first.created, true);
    assert.equal(first.origin, keyFilePath(dir));
    assert.equal(statSync(keyFilePath(dir)).mode & 0o777, 0o600);
    assert.equal(Buffer.from(readFileSync(keyFilePath(dir), "utf8").trim(), "base64").length, 32);
    const second = loadMasterKey({ dataDir: dir });
    assert.equal(second.created, false);
    assert.equal(second.ring.current.id, first.ring.current.id);
  });

  it("prefers the key from the environment and writes no file", () => {
    const dir = tempDir("tl-key");
    const key = randomBytes(32);
    const src = loadMasterKey({ dataDir: dir, envKey: key, previous: [randomBytes(32)] });
    assert.equal(src.origin, "env");
    assert.equal(src.ring.previous.length, 1);
    assert.throws(() => statSync(keyFilePath(dir)));
  });

  it("refuses a key file readable by others (it may have leaked) and a corrupt one", () => {
    const dir = tempDir("tl-key");
    mkdirSync(path.dirname(keyFilePath(dir)), { recursive: true });
    writeFileSync(keyFilePath(dir), randomBytes(32).toString("base64"));
    chmodSync(keyFilePath(dir), 0o644);
    assert.throws(() => loadMasterKey({ dataDir: dir }), /readable by other users \(mode 0644\)/);
    assert.equal(
      statSync(keyFilePath(dir)).mode & 0o777,
      0o644,
      "left as it was, for the operator to look at",
    );
    chmodSync(keyFilePath(dir), 0o600);
    loadMasterKey({ dataDir: dir });
    writeFileSync(keyFilePath(dir), "short");
    assert.throws(() => loadMasterKey({ dataDir: dir }), /32 bytes/);
  });
});
