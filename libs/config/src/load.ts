import { issueLines } from "@tenantlens/contracts";
import type { z } from "zod";

/** Configuration problems, one line per bad variable: `NAME: reason (got "value")`. */
export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join("\n"));
    this.name = "ConfigError";
  }
}

const SENSITIVE = /SECRET|KEY|PASSWORD/i;

type Env = Record<string, string | undefined>;

/**
 * Parses the environment with a zod object schema whose keys are variable names. Throws
 * ConfigError listing every bad variable at once, so one restart fixes them all.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env = process.env): z.infer<S> {
  const input: Env = {};
  // Empty values count as unset, so `FOO=` falls back to the default like a missing variable.
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    input[key] = v === undefined || v.trim() === "" ? undefined : v;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(describeIssues(result.error, input));
}

/** Loads the configuration or prints the problems to stderr and exits 1. */
export function loadConfigOrExit<S extends z.ZodObject>(
  schema: S,
  service: string,
  env: Env = process.env,
): z.infer<S> {
  try {
    return loadConfig(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${service}: invalid configuration\n${err.lines.map((l) => `  ${l}`).join("\n")}\n`);
    process.exit(1);
  }
}

function describeIssues(error: z.ZodError, input: Env): string[] {
  const byName = new Map<string, string[]>();
  for (const issue of issueLines(error, Number.POSITIVE_INFINITY)) {
    const name = issue.path.length > 0 ? String(issue.path[0]) : "(configuration)";
    byName.set(name, [...(byName.get(name) ?? []), issue.message]);
  }
  return [...byName].map(([name, reasons]) => {
    const value = input[name];
    const got =
      name === "(configuration)"
        ? ""
        : value === undefined
          ? " (not set)"
          : ` (got "${SENSITIVE.test(name) ? "****" : value}")`;
    return `${name}: ${[...new Set(reasons)].join("; ")}${got}`;
  });
}
