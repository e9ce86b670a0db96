import type { Directory } from "./directory.js";
import { StoreError } from "./store.js";

/**
 * "Live" mode: a few realistic changes a minute (new guest, disabled user, membership change, new
 * app secret …) so the demo shows history growing. Choices come from a seeded PRNG.
 */
export class LiveMode {
  private timer: NodeJS.Timeout | undefined;
  private perMinute = 0;
  private made = 0;

  constructor(
    private readonly dir: Directory,
    private readonly rand: () => number,
  ) {}

  start(changesPerMinute: number): void {
    this.stop();
    const cpm = Math.min(600, Math.max(0.1, changesPerMinute));
    this.perMinute = cpm;
    this.timer = setInterval(() => this.tick(), Math.round(60_000 / cpm));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.perMinute = 0;
  }

  status(): { enabled: boolean; changesPerMinute: number; changesMade: number } {
    return { enabled: this.timer !== undefined, changesPerMinute: this.perMinute, changesMade: this.made };
  }

  /** Makes one change; exposed for tests so they need not wait for the timer. */
  tick(): void {
    const s = this.dir.store;
    const pick = (kind: "user" | "group" | "application") => {
      const n = s.positions(kind);
      for (let tries = 0; tries < 20 && n > 0; tries++) {
        const o = s.atPosition(kind, Math.floor(this.rand() * n));
        if (o) return o;
      }
      return undefined;
    };
    const r = this.rand();
    try {
      if (r < 0.2) {
        const n = s.positions("user");
        this.dir.create("user", {
          userType: "Guest",
          displayName: `Guest ${n}`,
          mail: `guest${n}@partner.example`,
        });
      } else if (r < 0.35) {
        const u = pick("user");
        if (u) s.update(String(u.id), { accountEnabled: u.accountEnabled === false });
      } else if (r < 0.5) {
        const u = pick("user");
        if (u)
          s.update(String(u.id), {
            jobTitle: `Senior ${String(u.jobTitle ?? "Specialist").replace(/^Senior /, "")}`,
          });
      } else if (r < 0.75) {
        const g = pick("group");
        const u = pick("user");
        if (g && u) {
          const members = s.memberIds(String(g.id));
          if (members.includes(String(u.id))) s.removeMember(String(g.id), String(u.id));
          else s.addMember(String(g.id), String(u.id));
        }
      } else if (r < 0.9) {
        const a = pick("application");
        if (a) this.dir.addSecret(String(a.id), { displayName: "Live rotation" });
      } else {
        const u = pick("user");
        if (u && u.userType === "Guest") s.softDelete(String(u.id));
        else if (u) s.update(String(u.id), { department: "Operations" });
      }
      this.made++;
    } catch (err) {
      // A random pick can hit an object another change just removed; skip that tick.
      if (!(err instanceof StoreError)) throw err;
    }
  }
}
