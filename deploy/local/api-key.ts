import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface ApiKeySource {
  key: string;
  /** Where it came from, for the banner. */
  source: "TENANTLENS_API_KEY" | "generated" | "file";
  file: string | null;
}

/**
 * TENANTLENS_API_KEY when set; otherwise the key in <data dir>/api-key, generated on first start
 * (mode 0600) so restarts keep working with the same key.
 */
export function loadOrCreateApiKey(dataDir: string, fromEnv: string | undefined): ApiKeySource {
  if (fromEnv) return { key: fromEnv, source: "TENANTLENS_API_KEY", file: null };
  const file = path.join(dataDir, "api-key");
  if (existsSync(file)) {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const key = readFileSync(file, "utf8").trim();
    if (key.length >= 16) return { key, source: "file", file };
  }
  mkdirSync(dataDir, { recursive: true });
  const key = `tlk-${randomBytes(24).toString("hex")}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { key, source: "generated", file };
}
