import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createUser, fromSeed } from "@nats-io/nkeys";

/** One identity on the bus: its NKEY seed file (secret, mode 0600) and public key (server config). */
export interface BusIdentity {
  name: string;
  seedFile: string;
  publicKey: string;
}

/**
 * An NKEY user per name in `dir` (`<name>.nk`, mode 0600; the directory 0700): existing seeds are
 * kept, so restarts keep their identities, missing ones are created.
 */
export function ensureBusIdentities(dir: string, names: readonly string[]): Record<string, BusIdentity> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const out: Record<string, BusIdentity> = {};
  for (const name of names) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`bad bus identity name ${JSON.stringify(name)}`);
    const seedFile = path.join(dir, `${name}.nk`);
    if (!existsSync(seedFile)) {
      const kp = createUser();
      writeFileSync(seedFile, `${new TextDecoder().decode(kp.getSeed())}\n`, { mode: 0o600 });
    }
    chmodSync(seedFile, 0o600);
    out[name] = { name, seedFile, publicKey: fromSeed(readNkeySeed(seedFile)).getPublicKey() };
  }
  return out;
}

/** The seed of an NKEY seed file (`SU…`, surrounding whitespace ignored), with a clear error. */
export function readNkeySeed(file: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (err) {
    throw new Error(`cannot read the NATS NKEY seed file ${file}: ${(err as Error).message}`);
  }
  return nkeySeedFromText(text, file);
}

/**
 * An NKEY user seed given as text (`SU…`, surrounding whitespace ignored), e.g. from a secret
 * environment variable; `what` names its source in the error, never the value.
 */
export function nkeySeedFromText(text: string, what: string): Uint8Array {
  const trimmed = text.trim();
  if (!/^SU[A-Z2-7]{50,}$/.test(trimmed)) {
    throw new Error(`${what} is not an NKEY user seed (expected one line starting with SU)`);
  }
  const seed = new TextEncoder().encode(trimmed);
  try {
    fromSeed(seed); // checks the checksum
  } catch {
    throw new Error(`${what} is not a valid NKEY user seed (bad checksum)`);
  }
  return seed;
}
