import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { aadFor, CryptoError, keyring, needsReseal, open, seal, secretKey } from "./crypto.js";

const key = secretKey(randomBytes(32));
const ring = keyring(key);
const aad = aadFor("int_abcdefgh12345678", "client_secret");

describe("crypto", () => {
  it("round-trips a secret", () => {
    const sealed = seal(key, "s3cr3t~value.with-ünïcode", aad);
    assert.equal(open(ring, sealed, aad), "s3cr3t~value.with-ünïcode");
    assert.equal(sealed.kid, key.id);
    assert.ok(!JSON.stringify(sealed).includes("s3cr3t"));
  });

  it("round-trips an empty string", () => {
    assert.equal(open(ring, seal(key, "", aad), aad), "");
  });

  it("rejects a tampered ciphertext, tag or nonce", () => {
    const sealed = seal(key, "secret", aad);
    const flip = (b64: string) => {
      const b = Buffer.from(b64, "base64");
      b[0] = (b[0] ?? 0) ^ 1;
      return b.toString("base64");
    };
    assert.throws(() => open(ring, { ...sealed, ct: flip(sealed.ct) }, aad), CryptoError);
    assert.throws(() => open(ring, { ...sealed, tag: flip(sealed.tag) }, aad), CryptoError);
    assert.throws(() => open(ring, { ...sealed, iv: flip(sealed.iv) }, aad), CryptoError);
  });

  it("rejects the wrong AAD (a value moved to another integration or field)", () => {
    const sealed = seal(key, "secret", aad);
    assert.throws(() => open(ring, sealed, aadFor("int_otherintegration1", "client_secret")), CryptoError);
    assert.throws(() => open(ring, sealed, aadFor("int_abcdefgh12345678", "token_cache")), CryptoError);
  });

  it("rejects a value sealed with another key, and names the missing key id", () => {
    const other = secretKey(randomBytes(32));
    const sealed = seal(other, "secret", aad);
    assert.throws(
      () => open(ring, sealed, aad),
      (e: unknown) => e instanceof CryptoError && e.message.includes(other.id),
    );
    const wrongKeySameId = { ...sealed, kid: key.id };
    assert.throws(() => open(ring, wrongKeySameId, aad), CryptoError);
  });

  it("uses a unique nonce per encryption", () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 1000; i++) nonces.add(seal(key, "same", aad).iv);
    assert.equal(nonces.size, 1000);
    assert.equal(Buffer.from(seal(key, "x", aad).iv, "base64").length, 12);
  });

  it("opens values sealed with a previous key and flags them for re-sealing", () => {
    const old = secretKey(randomBytes(32));
    const sealedOld = seal(old, "legacy", aad);
    const rotated = keyring(key, [old]);
    assert.equal(open(rotated, sealedOld, aad), "legacy");
    assert.equal(needsReseal(rotated, sealedOld), true);
    assert.equal(needsReseal(rotated, seal(key, "new", aad)), false);
  });

  it("derives a stable key id and refuses short keys", () => {
    const bytes = randomBytes(32);
    assert.equal(secretKey(bytes).id, secretKey(Buffer.from(bytes)).id);
    assert.throws(() => secretKey(randomBytes(16)), CryptoError);
  });
});
