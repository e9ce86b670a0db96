import type { Logger } from "@tenantlens/telemetry";

type Cleanup = () => Promise<void> | void;

const hooks: Cleanup[] = [];
let installed = false;

/** Registers extra cleanup run after the main one, newest first (e.g. close DuckDB after draining). */
export function onShutdown(fn: Cleanup): void {
  hooks.push(fn);
}

/**
 * On SIGTERM/SIGINT: run `cleanup` (drain) and the `onShutdown` hooks once, then exit 0 (1 if they
 * failed or took longer than `graceMs`). A second signal exits at once.
 */
export function installSignalHandlers(
  service: string,
  logger: Logger,
  cleanup: Cleanup,
  opts: { graceMs?: number } = {},
): void {
  if (installed) throw new Error("installSignalHandlers called twice");
  installed = true;
  const graceMs = opts.graceMs ?? 25_000;
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal, service }, "shutting down");
    const timer = setTimeout(() => {
      logger.error({ graceMs }, "shutdown took too long: exiting");
      process.exit(1);
    }, graceMs);
    timer.unref();
    void (async () => {
      let code = 0;
      for (const fn of [cleanup, ...[...hooks].reverse()]) {
        try {
          await fn();
        } catch (err) {
          code = 1;
          logger.error({ err }, "cleanup failed");
        }
      }
      logger.info({ code }, "stopped");
      process.exit(code);
    })();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
