import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Keyring, keyring, secretKey } from "./crypto.js";

export interface KeySource {
  ring: Keyring;
  /** "env" or the key file's path, for the startup log (never the key). */
  origin: string;
  created: boolean;
}

/** The key file is readable or writable by other users than the one Tenantlens runs as. */
export class ExposedKeyError extends Error {
  constructor(
    readonly file: string,
    readonly mode: number,
  ) {
    super(
      `${file} is readable by other users (mode ${mode.toString(8).padStart(4, "0")}): the key may have leaked. ` +
        `Check who could read it, then either rotate the key (docs/operations.md) or, if it did not leak, run chmod 600 ${file}.`,
    );
    this.name = "ExposedKeyError";
  }
}

export function keyFilePath(dataDir: string): string {
  return path.join(dataDir, "keys", "master.key");
}

/**
 * The master key comes from TENANTLENS_SECRET_KEY, or from `<dataDir>/keys/master.key`, created with
 * mode 0600 on first start. Either way it lives apart from the data it encrypts. Every service that
 * seals secrets (auth, notifier) shares the same key; the `wx` create makes a first start race-free.
 */
export function loadMasterKey(opts: { envKey?: Buffer; previous?: Buffer[]; dataDir: string }): KeySource {
  const previous = (opts.previous ?? []).map(secretKey);
  if (opts.envKey) return { ring: keyring(secretKey(opts.envKey), previous), origin: "env", created: false };
  const file = keyFilePath(opts.dataDir);
  let created = false;
  let bytes: Buffer;
  try {
    bytes = decodeKeyFile(readFileSync(file, "utf8"), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const fresh = randomBytes(32);
    try {
      // wx: never overwrite a key another process wrote a moment ago.
      writeFileSync(file, `${fresh.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
      created = true;
      bytes = fresh;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      bytes = decodeKeyFile(readFileSync(file, "utf8"), file);
    }
  }
  // A key others could read may have leaked: refuse it rather than quietly tighten it.
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new ExposedKeyError(file, mode);
  return { ring: keyring(secretKey(bytes), previous), origin: file, created };
}

function decodeKeyFile(text: string, file: string): Buffer {
  const bytes = Buffer.from(text.trim(), "base64");
  if (bytes.length !== 32) throw new Error(`${file} does not hold a base64 key of 32 bytes`);
  return bytes;
}

/**
 * loadMasterKey for a service's start: a key that is exposed, corrupt or unreadable stops the
 * process with one clear line on stderr, like a bad configuration value.
 */
export function loadMasterKeyOrExit(opts: Parameters<typeof loadMasterKey>[0], service: string): KeySource {
  try {
    return loadMasterKey(opts);
  } catch (err) {
    process.stderr.write(
      `${service}: cannot use the secret key: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  }
}
