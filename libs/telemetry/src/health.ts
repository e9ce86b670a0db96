/** A named condition readiness depends on (NATS connected, consumers running, a database open). */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface HealthState {
  /** Adds a condition; /readyz is 503 while any of them is false (or throws). */
  check(name: string, fn: ReadinessCheck): void;
  /** The service finished starting (call right before logging "ready"). */
  started(): void;
  /** The service stops taking work (call first thing on SIGTERM): /readyz turns 503 at once. */
  stopping(): void;
  /** Whether the service would take work now, and why not. */
  readiness(): Promise<{ ready: boolean; checks: Record<string, boolean>; phase: Phase }>;
}

export type Phase = "starting" | "running" | "stopping";

export function createHealthState(): HealthState {
  const checks = new Map<string, ReadinessCheck>();
  let phase: Phase = "starting";
  return {
    check(name, fn) {
      checks.set(name, fn);
    },
    started() {
      if (phase === "starting") phase = "running";
    },
    stopping() {
      phase = "stopping";
    },
    async readiness() {
      const results: Record<string, boolean> = {};
      for (const [name, fn] of checks) {
        try {
          results[name] = (await fn()) === true;
        } catch {
          results[name] = false;
        }
      }
      const ready = phase === "running" && Object.values(results).every(Boolean);
      return { ready, checks: results, phase };
    },
  };
}
