// Compose's own reading of `.env` and `${…}` interpolation, so deploy/compose/compose.test.ts can
// check each service's environment the way `docker compose` would hand it over.

/** KEY=VALUE lines; `#` starts a comment line; values are taken literally (no quotes needed). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`not KEY=VALUE: ${line}`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Interpolates `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}` and `$$` the way
 * compose does; an unset or empty required variable throws with its message.
 */
export function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (whole, name, op, arg) => {
    if (whole === "$$") return "$";
    const v = env[name as string];
    const unset = v === undefined;
    const empty = unset || v === "";
    switch (op as string | undefined) {
      case ":-":
        return empty ? (arg as string) : (v as string);
      case "-":
        return unset ? (arg as string) : (v as string);
      case ":?":
        if (empty) throw new Error(`${name}: ${arg}`);
        return v as string;
      case "?":
        if (unset) throw new Error(`${name}: ${arg}`);
        return v as string;
      default:
        return v ?? "";
    }
  });
}

/** A service's `environment:` map with every value interpolated; empty values are left out (unset). */
export function composeEnvironment(
  environment: Record<string, string | number | boolean>,
  env: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment)) {
    const v = interpolate(String(value), env);
    if (v !== "") out[key] = v;
  }
  return out;
}
