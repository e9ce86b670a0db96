import { AppError } from "@tenantlens/contracts";
import type { Context } from "hono";
import type { z } from "zod";

/** Formats zod issues as one line a user can act on: `auth.clientId: required; name: too long`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}

/**
 * Reads and validates a JSON body. Malformed JSON and schema violations are `bad_request`; an empty
 * body counts as `{}` when `allowEmpty` (e.g. optional options on POST …/polls).
 */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  opts: { allowEmpty?: boolean } = {},
): Promise<z.infer<S>> {
  const text = await c.req.text();
  let raw: unknown = {};
  if (text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new AppError("bad_request", "request body is not valid JSON");
    }
  } else if (!opts.allowEmpty) {
    throw new AppError("bad_request", "request body is required (JSON)");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new AppError("bad_request", `invalid request body: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Validates query-string parameters with a zod object schema. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success)
    throw new AppError("bad_request", `invalid query parameters: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
