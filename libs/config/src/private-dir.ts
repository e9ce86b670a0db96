import { chmodSync, mkdirSync, statSync } from "node:fs";

/**
 * Everything Tenantlens writes under its data directory is private to the user it runs as:
 * the process creates files 0600 and directories 0700 from now on (umask 077), and the data
 * directory itself is created, or tightened, to 0700. Call it first thing in every process that
 * writes there (services, the launcher, whose children inherit the umask).
 */
export function usePrivateDataDir(dir: string): void {
  process.umask(0o077);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
