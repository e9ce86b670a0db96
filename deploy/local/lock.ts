import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One launcher per data directory: two would share nats-server's store and the warehouse files.
 * Returns a release function, or the pid of the launcher that holds the directory.
 */
export function acquireLock(dataDir: string): { release: () => void } | { heldBy: number } {
  const file = path.join(dataDir, "launcher.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      return { release: () => rmSync(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) return { heldBy: pid };
      rmSync(file, { force: true }); // stale: its launcher is gone
    }
  }
  throw new Error(`cannot take ${file}`);
}
