import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, tsCommand, usePrivateDataDir } from "@tenantlens/config";
import { loadOrCreateApiKey } from "./api-key.js";
import { prepareBusAuth, writeServerConfig } from "./bus-auth.js";
import type { ChildSpec } from "./child.js";
import { HELP, type LauncherConfig, loadLauncherConfig, UsageError } from "./config.js";
import { ApiClient, DEMO_INTEGRATION_NAME, ensureDemoIntegration, waitForFirstData } from "./demo.js";
import { startDemoMail } from "./demo-mail.js";
import { acquireLock } from "./lock.js";
import { displayLine, isReadyLine } from "./log-lines.js";
import { freePort, isListening } from "./ports.js";
import { checkDependencies, checkNode, ensureNatsServer, PrerequisiteError } from "./prereqs.js";
import { demoAppEnv, parseSimReady, type SimReady } from "./simulator.js";
import { Supervisor } from "./supervisor.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Start order; stopped in reverse. rules and notifier join once they have a real entrypoint. */
const SERVICES = ["auth", "store", "query", "poller", "rules", "notifier", "provisioner", "gateway"] as const;
const REQUIRED = new Set<string>(["auth", "store", "query", "poller", "gateway"]);

/** Where the launcher itself reaches the gateway (a wildcard listen address is reached on loopback). */
const localHost = (host: string) => (host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host);

const say = (line = "") => process.stdout.write(`${line}\n`);
const complain = (line: string) => process.stderr.write(`${line}\n`);

function exitWith(lines: string[]): never {
  for (const l of lines) complain(l);
  process.exit(1);
}

function readConfig(): LauncherConfig {
  try {
    return loadLauncherConfig(process.env, process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) {
      exitWith([
        "npm start: invalid configuration",
        ...err.lines.map((l) => `  ${l}`),
        "Run `npm start -- --help` for the options.",
      ]);
    }
    throw err;
  }
}

/** Services whose entrypoint exists and logs "ready" (empty placeholders are skipped). */
function runnableServices(): string[] {
  const out: string[] = [];
  for (const name of SERVICES) {
    const entry = path.join(repoRoot, "services", name, "src", "index.ts");
    const real = existsSync(entry) && readFileSync(entry, "utf8").includes('"ready"');
    if (real) out.push(name);
    else if (REQUIRED.has(name))
      exitWith([`npm start: services/${name}/src/index.ts is missing; this checkout is incomplete.`]);
  }
  return out;
}

async function main(): Promise<void> {
  const config = readConfig();
  if (config.help) {
    say(HELP);
    return;
  }
  try {
    checkNode();
    checkDependencies(repoRoot);
    if (!config.NATS_URL) ensureNatsServer(say);
  } catch (err) {
    if (err instanceof PrerequisiteError) exitWith([`npm start: ${err.message}`]);
    throw err;
  }
  const services = runnableServices();
  const dataDir = config.TENANTLENS_DATA_DIR;
  // Data files private to this user; the services and nats-server inherit the umask.
  usePrivateDataDir(dataDir);
  const lock = acquireLock(dataDir);
  if ("heldBy" in lock) {
    exitWith([
      `npm start: another launcher (pid ${lock.heldBy}) is running with ${dataDir}; stop it first or set TENANTLENS_DATA_DIR.`,
    ]);
  }
  if (await isListening(config.GATEWAY_PORT, localHost(config.GATEWAY_HOST))) {
    lock.release();
    exitWith([`npm start: port ${config.GATEWAY_PORT} is already in use; set GATEWAY_PORT to a free port.`]);
  }
  const apiKey = loadOrCreateApiKey(dataDir, config.TENANTLENS_API_KEY);
  // The bus is locked: every service connects with its own NKEY and the permissions its contracts imply.
  const busAuth = prepareBusAuth(path.join(dataDir, "nats-auth"));

  let shuttingDown: Promise<void> | undefined;
  const supervisor = new Supervisor(say, (reason) => {
    complain(`launcher | ${reason}: stopping everything`);
    void shutdown(1);
  });
  const shutdown = (code: number): Promise<void> => {
    shuttingDown ??= (async () => {
      say("\nlauncher | stopping (Ctrl-C again to force)…");
      await supervisor.stopAll();
      lock.release();
      say("launcher | stopped");
      process.exit(code);
    })();
    return shuttingDown;
  };
  process.on("SIGINT", () => {
    if (shuttingDown) {
      supervisor.killAll();
      lock.release();
      process.exit(130);
    }
    void shutdown(0);
  });
  process.on("SIGTERM", () => void shutdown(0));
  process.on("exit", () => supervisor.killAll());

  const print = (name: string) => (line: string) => {
    const shown = displayLine(name, line, config.displayLevel);
    if (shown) say(shown);
  };
  const tsxChild = <T>(
    name: string,
    entry: string,
    env: NodeJS.ProcessEnv,
    args: string[],
    readyFrom: (l: string) => T | undefined,
  ): ChildSpec<T> => {
    const run = tsCommand(config.TENANTLENS_RUNTIME, entry, args, { caCertPath: env.NODE_EXTRA_CA_CERTS });
    return {
      name,
      command: run.command,
      args: run.args,
      cwd: repoRoot,
      env: { ...env, ...run.env, TENANTLENS_RUNTIME: config.TENANTLENS_RUNTIME },
      readyFrom,
      readyTimeoutMs: 60_000,
      // The simulator's READY line carries its secrets; the launcher reads it, nobody needs to see it.
      onLine: (line) => {
        if (!line.startsWith("READY ")) print(name)(line);
      },
    };
  };

  try {
    say(`launcher | runtime: ${config.TENANTLENS_RUNTIME} (every service process runs on it)`);
    // 1. NATS
    let natsUrl = config.NATS_URL;
    if (!natsUrl) {
      const port = await freePort();
      const wsPort = config.NATS_WS_PORT || (await freePort());
      const serverConfig = writeServerConfig(busAuth, { host: "127.0.0.1", port: wsPort });
      const storeDir = path.join(dataDir, "nats");
      mkdirSync(storeDir, { recursive: true });
      await supervisor.start(
        "nats",
        () => ({
          name: "nats",
          command: "nats-server",
          args: ["-c", serverConfig, "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir],
          cwd: repoRoot,
          env: process.env,
          readyFrom: (l) => (l.includes("Server is ready") ? true : undefined),
          readyTimeoutMs: 30_000,
          onLine: (l) => {
            // The WebSocket listener is plain ws:// on loopback on purpose; its TLS warning is no news.
            const expected = /Websocket not configured with TLS/.test(l);
            if (config.displayLevel === "info" || (/\[(ERR|FTL|WRN)\]/.test(l) && !expected))
              say(`${"nats".padEnd(8)} | ${l}`);
          },
        }),
        { restart: false },
      );
      natsUrl = `nats://127.0.0.1:${port}`;
      say(
        `launcher | NATS over WebSocket at ws://127.0.0.1:${wsPort} (an edge gateway: docs/deploy-edge.md)`,
      );
    } else {
      say(
        `launcher | NATS_URL is your own server: its config must include ${busAuth.authorizationFile} (the services' NKEYs and permissions)`,
      );
    }
    say(`launcher | NATS at ${natsUrl}`);

    // 2. The simulator (demo mode)
    let sim: SimReady | null = null;
    if (config.TENANTLENS_DEMO) {
      const simArgs = [
        "--port",
        "0",
        "--seed",
        String(config.TENANTLENS_DEMO_SEED),
        "--users",
        String(config.TENANTLENS_DEMO_USERS),
      ];
      sim = await supervisor.start(
        "sim",
        () =>
          tsxChild(
            "sim",
            "libs/entra-sim/src/cli.ts",
            { ...process.env, LOG_LEVEL: config.childLogLevel },
            [
              ...simArgs,
              "--live",
              "3",
              "--data-dir",
              path.join(dataDir, "simulator"),
              // Delegated consent from the console comes back here.
              "--redirect-uri",
              `${config.publicUrl}/oauth/callback`,
            ],
            parseSimReady,
          ),
        { restart: false },
      );
      say(`launcher | Entra ID simulator at ${sim.graphEndpoint}`);
    }

    // 3. A local SMTP catcher for alert mail, unless a real server is configured
    const mail = await startDemoMail(supervisor, tsxChild, dataDir, config.childLogLevel, config.SMTP_URL);
    if (mail) say(`launcher | alert mail is caught locally: ${mail.httpUrl ?? mail.smtpUrl}`);

    // 4. Services, each its own process
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NATS_URL: natsUrl,
      TENANTLENS_DATA_DIR: dataDir,
      LOG_LEVEL: config.childLogLevel,
      PUBLIC_URL: config.publicUrl,
      GATEWAY_PORT: String(config.GATEWAY_PORT),
      GATEWAY_HOST: config.GATEWAY_HOST,
      TENANTLENS_API_KEY: apiKey.key,
      GRAPH_ENDPOINT: sim?.graphEndpoint ?? config.GRAPH_ENDPOINT,
      AZURE_AUTHORITY_HOST: sim?.authorityHost ?? config.AZURE_AUTHORITY_HOST,
      ...(sim ? { NODE_EXTRA_CA_CERTS: sim.caCertPath } : {}),
      // The demo tenant changes a few objects a minute: poll it every minute so history visibly grows.
      ...(sim && !("POLL_INTERVAL_SECONDS" in process.env) ? { POLL_INTERVAL_SECONDS: "60" } : {}),
      ...(mail ? { SMTP_URL: mail.smtpUrl } : {}),
      ...(mail?.httpUrl ? { GATEWAY_DEMO_MAIL_URL: mail.httpUrl } : {}),
      ...(sim ? demoAppEnv(sim, process.env) : {}),
    };
    // Each service's /metrics, /livez and /readyz: TL_METRICS_PORT unset = a free port each (picked
    // just before the service starts, and picked again if another process took it meanwhile),
    // 0 = off, N = N, N+1, … in start order.
    const base = config.TL_METRICS_PORT;
    for (const [i, name] of services.entries()) {
      for (let attempt = 1; ; attempt++) {
        const port = base === undefined ? await freePort() : base === 0 ? 0 : base + i;
        metricsPorts.set(name, port);
        try {
          await supervisor.start(
            name,
            () =>
              tsxChild(
                name,
                `services/${name}/src/index.ts`,
                { ...env, NATS_NKEY_SEED_FILE: busAuth.seedFile(name), TL_METRICS_PORT: String(port) },
                [],
                (l) => (isReadyLine(l) ? true : undefined),
              ),
            { restart: true },
          );
          break;
        } catch (err) {
          if (base !== undefined || attempt === 3 || !/EADDRINUSE/.test(String(err))) throw err;
          say(`launcher | ${name}: metrics port ${port} was taken meanwhile; trying another`);
        }
      }
      if (config.displayLevel !== "info") say(`launcher | ${name} ready`);
    }

    // 5. The demo integration, over REST like a user
    const api = new ApiClient(`http://${localHost(config.GATEWAY_HOST)}:${config.GATEWAY_PORT}`, apiKey.key);
    let demoLine = "";
    if (sim) {
      const tenant = sim.tenants[0]!;
      const demo = await ensureDemoIntegration(api, tenant);
      demoLine = `${DEMO_INTEGRATION_NAME} ${demo.reused ? "reused" : "connected"}: integration ${demo.integrationId}, first poll ${demo.pollId} started.`;
      void waitForFirstData(api, demo.integrationId, {
        timeoutMs: 10 * 60_000,
        stopped: () => shuttingDown !== undefined,
      }).then((r) => {
        if (!r) return;
        const c = r.counts;
        say(
          `launcher | demo poll ${r.status}: ${c.azuread_user ?? 0} users, ${c.azuread_group ?? 0} groups, ${c.azuread_service_principal ?? 0} service principals are queryable now.`,
        );
      });
    }
    let mailLine = "";
    if (mail) {
      mailLine = `${mail.httpUrl ?? mail.smtpUrl}  (caught alert mail; also ${path.join(mail.dir, "*.eml")})`;
      if (sim && services.includes("notifier")) {
        const alert = await mail.ensureAlert(api).catch((err: unknown) => {
          complain(
            `launcher | could not create the demo alert: ${err instanceof Error ? err.message : String(err)}`,
          );
          return null;
        });
        if (alert) mailLine += `\n            Alert "${alert.name}" mails ${alert.recipient}`;
      }
    }
    banner(config, apiKey, demoLine, mailLine);
  } catch (err) {
    complain(`launcher | could not start: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

/** Metrics port of each service started by this launcher (0 = off). */
const metricsPorts = new Map<string, number>();

function banner(
  config: LauncherConfig,
  apiKey: ReturnType<typeof loadOrCreateApiKey>,
  demoLine: string,
  mailLine = "",
): void {
  const url = config.publicUrl;
  const rel = apiKey.file ? path.relative(process.cwd(), apiKey.file) : "";
  const keyFile = apiKey.file && (rel.startsWith("..") || rel === "" ? apiKey.file : rel);
  const keyRef = keyFile ? `$(cat ${keyFile})` : "$TENANTLENS_API_KEY";
  say("");
  say("Tenantlens is running.");
  say("");
  say(`  Console   ${url}/`);
  say(
    `  API key   ${apiKey.key}${apiKey.file ? `  (saved in ${apiKey.file})` : "  (from TENANTLENS_API_KEY)"}`,
  );
  say(`  API docs  ${url}/openapi.json`);
  if (mailLine) say(`  Mail      ${mailLine}`);
  if (demoLine) say(`  Demo      ${demoLine}`);
  else
    say(
      `  Connect   a tenant with POST ${url}/api/integrations (README: "Connecting a real Entra ID tenant")`,
    );
  say("");
  say("  First query:");
  say(`    curl -s ${url}/api/query -H "Authorization: Bearer ${keyRef}" \\`);
  say(
    `      -H 'content-type: application/json' -d '{"sql":"SELECT user_type, count(*) AS users FROM azuread_user GROUP BY ALL"}'`,
  );
  say(
    `    TENANTLENS_URL=${url}${keyFile ? ` TENANTLENS_API_KEY=${keyRef}` : ""} npx tenantlens query "SELECT display_name, user_principal_name FROM azuread_user WHERE user_type = 'Guest' LIMIT 10"`,
  );
  const metrics = [...metricsPorts].filter(([, port]) => port > 0);
  if (metrics.length > 0) {
    say("");
    say("  Metrics (Prometheus /metrics, /livez, /readyz per service; GET /healthz sums them up):");
    for (const [name, port] of metrics) say(`    ${name.padEnd(9)} http://127.0.0.1:${port}/metrics`);
  }
  say("");
  say("Press Ctrl-C to stop.");
}

await main();
