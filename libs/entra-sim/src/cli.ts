/**
 * `npm run sim -- --port <p> --seed <n> --users <n> ...`: runs the simulator in the foreground and
 * prints exactly one `READY {json}` line on stdout; everything else goes to stderr.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { issueLines } from "@tenantlens/contracts";
import { z } from "zod";
import type { StartSimulatorOptions } from "./index.js";

const USAGE = `Usage: npm run sim -- [options]

  --port <n>           HTTPS port on 127.0.0.1 (default 0: a free port)
  --seed <n>           generator seed (default 1)
  --users <n>          users per tenant (default 200)
  --groups <n>         groups per tenant (default: derived from users)
  --applications <n>   applications per tenant (default: derived from users)
  --devices <n>        devices per tenant (default: derived from users)
  --tenants <n>        number of tenants (default 1)
  --live <n>           live mode: about n directory changes per minute per tenant
  --data-dir <dir>     where ca.pem and keys are written (default: a temp dir, removed on exit)
  --admin-key <key>    x-sim-key for /_sim/ (default: random)
  --redirect-uri <u>   extra redirect URI for every app (repeatable)
  --auto-approve       skip the consent page
  --no-p1              tenants without Entra ID P1/P2
  --help               this text

Prints: READY {"graphEndpoint","authorityHost","caCertPath","adminKey","tenants":[{"tenantId","clientId","clientSecret"}]}
Clients trust the simulator with NODE_EXTRA_CA_CERTS=<caCertPath>.`;

export class UsageError extends Error {}

const whole = (flag: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${flag} must be a whole number`)
    .transform(Number)
    .pipe(z.number().min(min, `${flag} must be at least ${min}`).max(max, `${flag} must be at most ${max}`));

const argsSchema = z.object({
  port: whole("--port", 0, 65_535).optional(),
  seed: whole("--seed", 0, 2_147_483_647).optional(),
  users: whole("--users", 0, 5_000_000).optional(),
  groups: whole("--groups", 0, 5_000_000).optional(),
  applications: whole("--applications", 0, 5_000_000).optional(),
  devices: whole("--devices", 0, 5_000_000).optional(),
  tenants: whole("--tenants", 1, 100).optional(),
  live: z
    .string()
    .regex(/^\d+(\.\d+)?$/, "--live must be a number of changes per minute")
    .transform(Number)
    .pipe(z.number().positive("--live must be above 0").max(60_000, "--live must be at most 60000"))
    .optional(),
  "data-dir": z.string().min(1, "--data-dir must not be empty").optional(),
  "admin-key": z.string().min(1, "--admin-key must not be empty").optional(),
  "redirect-uri": z.array(z.url("--redirect-uri must be an absolute URL")).optional(),
  "auto-approve": z.boolean().optional(),
  "no-p1": z.boolean().optional(),
  help: z.boolean().optional(),
});

/** Turns argv into simulator options; throws UsageError with a one-line reason. */
export function parseCliArgs(argv: string[]): StartSimulatorOptions | "help" {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        seed: { type: "string" },
        users: { type: "string" },
        groups: { type: "string" },
        applications: { type: "string" },
        devices: { type: "string" },
        tenants: { type: "string" },
        live: { type: "string" },
        "data-dir": { type: "string" },
        "admin-key": { type: "string" },
        "redirect-uri": { type: "string", multiple: true },
        "auto-approve": { type: "boolean" },
        "no-p1": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const parsed = argsSchema.safeParse(values);
  // Each message already names its flag (--users …), so the paths are left out.
  if (!parsed.success)
    throw new UsageError(
      issueLines(parsed.error)
        .map((l) => l.message)
        .join("; "),
    );
  const a = parsed.data;
  if (a.help) return "help";
  const tenant = {
    users: a.users,
    groups: a.groups,
    applications: a.applications,
    devices: a.devices,
    licences: a["no-p1"] ? { p1: false } : undefined,
  };
  return {
    port: a.port,
    seed: a.seed,
    tenants: Array.from({ length: a.tenants ?? 1 }, () => ({ ...tenant })),
    dataDir: a["data-dir"],
    adminKey: a["admin-key"],
    redirectUris: a["redirect-uri"],
    autoApprove: a["auto-approve"],
    live: a.live === undefined ? undefined : { changesPerMinute: a.live },
  };
}

async function main(): Promise<void> {
  let options: StartSimulatorOptions | "help";
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`entra-sim: ${(e as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (options === "help") {
    process.stderr.write(`${USAGE}\n`);
    return;
  }
  // Loaded after argument checks so `--help` and bad flags answer instantly.
  const { startSimulator } = await import("./index.js");
  const started = Date.now();
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  try {
    sim = await startSimulator(options);
  } catch (e) {
    process.stderr.write(`entra-sim: failed to start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const ready = {
    graphEndpoint: sim.graphEndpoint,
    authorityHost: sim.authorityHost,
    caCertPath: sim.caCertPath,
    adminKey: sim.adminKey,
    tenants: sim.tenants.map((t) => ({
      tenantId: t.tenantId,
      clientId: t.clientId,
      clientSecret: t.clientSecret,
    })),
  };
  process.stderr.write(
    `entra-sim: ${sim.tenants.length} tenant(s) ready in ${Date.now() - started} ms at ${sim.graphEndpoint}\n`,
  );
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`entra-sim: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`entra-sim: ${signal}, stopping\n`);
    sim.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`entra-sim: stop failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

// Only run when executed, not when imported by tests.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
