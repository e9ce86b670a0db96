import type { z } from "zod";

export interface IssueLine {
  /** Path of the offending value (empty for the whole input). */
  path: PropertyKey[];
  message: string;
}

/** zod's "expected string, received undefined" says, in words people use, that a value is missing. */
function messageOf(issue: z.core.$ZodIssue): string {
  return issue.code === "invalid_type" && /received undefined$/.test(issue.message)
    ? "required"
    : issue.message;
}

/** The issues of a zod error as path/message pairs, at most `limit` of them. */
export function issueLines(error: z.ZodError, limit = 10): IssueLine[] {
  return error.issues.slice(0, limit).map((i) => ({ path: i.path, message: messageOf(i) }));
}

/**
 * The one formatter of validation errors for people (HTTP, NATS, configuration, the simulator):
 * `auth.clientId: required; name: Too big: expected string to have <=200 characters`; issues of
 * the whole input have no path.
 */
export function formatIssues(error: z.ZodError, limit = 10): string {
  return issueLines(error, limit)
    .map((l) => (l.path.length > 0 ? `${l.path.map(String).join(".")}: ${l.message}` : l.message))
    .join("; ");
}
