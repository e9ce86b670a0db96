import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";

export const SIM_KEY_HEADER = "x-sim-key";

/** A fresh admin key for a run that was not given one. */
export function newAdminKey(): string {
  return `simkey_${randomBytes(24).toString("base64url")}`;
}

/** Guards every /_sim/* route (identity and directory halves alike) with the run's admin key. */
export function simKeyGuard(adminKey: string): MiddlewareHandler {
  const expected = Buffer.from(adminKey);
  return async (c, next) => {
    const given = Buffer.from(c.req.header(SIM_KEY_HEADER) ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return c.json(
        {
          error: {
            code: "Unauthorized",
            message: `Missing or wrong ${SIM_KEY_HEADER} header: /_sim/ routes need the simulator's admin key.`,
            requestId: randomUUID(),
          },
        },
        401,
      );
    }
    await next();
    return undefined;
  };
}
