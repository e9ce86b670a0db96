import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { busPermissions, connectBus } from "@tenantlens/bus";
import { loadConfig, type z } from "@tenantlens/config";
import { SERVICES, type ServiceName } from "@tenantlens/contracts";
import { createLogger } from "@tenantlens/telemetry";
import { repoRoot, startNats, tempDir } from "@tenantlens/testkit";
import { parse } from "yaml";
import { authConfigSchema } from "../../services/auth/src/config.js";
import { GatewayConfig } from "../../services/gateway/src/config.js";
import { notifierConfigSchema } from "../../services/notifier/src/config.js";
import { pollerConfigSchema } from "../../services/poller/src/config.js";
import { provisionerConfigSchema } from "../../services/provisioner/src/config.js";
import { queryConfigSchema } from "../../services/query/src/config.js";
import { rulesConfigSchema } from "../../services/rules/src/config.js";
import { storeConfigSchema } from "../../services/store/src/config.js";
import { composeEnvironment, parseEnvFile } from "./env.js";
import { generateComposeSecrets, natsTlsBlock } from "./secrets.js";

/** Each service's own configuration schema: what it reads from its environment at start. */
const CONFIG_SCHEMAS: Record<ServiceName, z.ZodObject> = {
  auth: authConfigSchema,
  poller: pollerConfigSchema,
  store: storeConfigSchema,
  query: queryConfigSchema,
  rules: rulesConfigSchema,
  notifier: notifierConfigSchema,
  provisioner: provisionerConfigSchema,
  gateway: GatewayConfig,
};

/** Read by libs/telemetry in every service rather than by a service's schema. */
const isTelemetryVariable = (name: string) => name.startsWith("OTEL_") || name === "TL_METRICS_PORT";

// No Docker engine runs here: the compose file is checked statically against what the documented
// generator (`npm run compose:secrets`) makes, and its TLS + NKEY setup is run on a real nats-server.

interface ComposeService {
  command?: string[];
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: Array<string | { source: string; target?: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file: string }>;
}

const SECRETS_PREFIX = "./deploy/compose/secrets/";

describe("docker-compose.yml", () => {
  let compose: ComposeFile;
  let out: string;
  let made: string[];
  let composeText: string;
  let example: Record<string, string>;

  before(() => {
    composeText = readFileSync(path.join(repoRoot, "docker-compose.yml"), "utf8");
    compose = parse(composeText, { merge: true }) as ComposeFile;
    example = parseEnvFile(readFileSync(path.join(repoRoot, "deploy/compose/env.example"), "utf8"));
    out = tempDir("tl-compose-secrets");
    made = generateComposeSecrets(out).map((f) => path.relative(out, f));
  });

  /** A compose path exists in the repo, or is one the generator makes (under the secrets directory). */
  const provided = (source: string): boolean =>
    source.startsWith(SECRETS_PREFIX)
      ? made.includes(source.slice(SECRETS_PREFIX.length))
      : existsSync(path.join(repoRoot, source));

  test("every file it references exists or is made by npm run compose:secrets", () => {
    const sources: string[] = [];
    for (const svc of Object.values(compose.services))
      for (const v of svc.volumes ?? []) if (v.startsWith(".")) sources.push(v.split(":")[0] as string);
    for (const s of Object.values(compose.secrets ?? {})) sources.push(s.file);
    assert.ok(sources.length > 10, "bind mounts and secrets found");
    for (const s of sources) assert.ok(provided(s), `${s} neither exists nor is generated`);
  });

  test("every service reaches NATS over TLS with its own NKEY", () => {
    for (const name of SERVICES) {
      const svc = compose.services[name];
      assert.ok(svc, `service ${name} is in the compose file`);
      const env = svc.environment ?? {};
      assert.match(env.NATS_URL ?? "", /^tls:\/\//, `${name}: NATS_URL`);
      const secrets = (svc.secrets ?? []).map((s) => (typeof s === "string" ? { source: s, target: s } : s));
      const nkey = secrets.find((s) => `/run/secrets/${s.target ?? s.source}` === env.NATS_NKEY_SEED_FILE);
      assert.ok(nkey, `${name}: NATS_NKEY_SEED_FILE is one of its secrets`);
      assert.equal(
        compose.secrets?.[nkey.source]?.file,
        `${SECRETS_PREFIX}nats/${name}.nk`,
        `${name}: its own seed`,
      );
      const ca = secrets.find((s) => `/run/secrets/${s.target ?? s.source}` === env.NATS_TLS_CA_FILE);
      assert.ok(ca, `${name}: NATS_TLS_CA_FILE is one of its secrets`);
      assert.equal(compose.secrets?.[ca.source]?.file, `${SECRETS_PREFIX}tls/ca.pem`);
    }
    const nats = compose.services.nats;
    assert.deepEqual(nats?.command, ["-c", "/etc/nats/nats.conf"]);
  });

  test("every variable the compose file takes from .env is in env.example, and nothing else is", () => {
    const used = new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1] as string));
    assert.ok(used.has("TENANTLENS_API_KEY") && used.has("TENANTLENS_SECRET_KEY"));
    for (const name of used)
      assert.ok(name in example, `${name} is used by the compose file but not in env.example`);
    for (const name of Object.keys(example))
      assert.ok(used.has(name), `${name} is in env.example but no service reads it`);
  });

  test("each service gets every variable its configuration requires, only variables it reads, and starts with them", () => {
    // What an operator fills in: env.example with the two required keys set.
    const dotenv = {
      ...example,
      TENANTLENS_API_KEY: "compose-test-api-key-0123456789",
      TENANTLENS_SECRET_KEY: Buffer.alloc(32, 7).toString("base64"),
    };
    // Compose refuses to start without the keys (`${…:?…}`), instead of starting services without them.
    assert.throws(
      () => composeEnvironment(compose.services.gateway?.environment ?? {}, example),
      /TENANTLENS_API_KEY/,
    );
    for (const name of SERVICES) {
      const schema = CONFIG_SCHEMAS[name];
      const env = composeEnvironment(compose.services[name]?.environment ?? {}, dotenv);
      for (const key of Object.keys(env))
        assert.ok(key in schema.shape || isTelemetryVariable(key), `${name}: ${key} is not read by ${name}`);
      const required = Object.entries(schema.shape as Record<string, z.ZodType>)
        .filter(([, field]) => !field.safeParse(undefined).success)
        .map(([key]) => key);
      for (const key of required) assert.ok(env[key], `${name}: ${key} is required by its configuration`);
      // The container's paths of the seed and the CA stand for the files compose mounts there
      // (checked above); everything else is parsed as the service parses it at start.
      const local = {
        ...env,
        NATS_NKEY_SEED_FILE: path.join(out, "nats", `${name}.nk`),
        NATS_TLS_CA_FILE: path.join(out, "tls", "ca.pem"),
      };
      assert.doesNotThrow(() => loadConfig(schema, local), `${name}: its configuration is valid`);
      assert.equal(env.TL_METRICS_PORT, "9464", `${name}: serves metrics`);
    }
  });

  test("Prometheus scrapes every service on the metrics port the compose file gives it", () => {
    const prom = parse(readFileSync(path.join(repoRoot, "deploy/prometheus.yml"), "utf8")) as {
      scrape_configs: Array<{ metrics_path?: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const targets = prom.scrape_configs.flatMap((c) =>
      c.static_configs.flatMap((s) => s.targets.map((t) => `${t}${c.metrics_path ?? "/metrics"}`)),
    );
    const expected = SERVICES.map(
      (name) => `${name}:${compose.services[name]?.environment?.TL_METRICS_PORT}/metrics`,
    );
    assert.deepEqual([...targets].sort(), [...expected].sort());
    assert.ok(compose.services.prometheus?.image?.startsWith("prom/prometheus"));
    assert.ok(compose.services.mailpit && compose.services["otel-collector"], "SMTP catcher and collector");
  });

  test("the generated server config names every service's key with its permissions, seeds are 0600", () => {
    const conf = readFileSync(path.join(out, "nats", "nats.conf"), "utf8");
    assert.match(conf, /tls \{/);
    for (const name of SERVICES) {
      const seed = path.join(out, "nats", `${name}.nk`);
      assert.equal(statSync(seed).mode & 0o777, 0o600, seed);
      assert.ok(conf.includes(`# ${name}\n`), `${name} is a user`);
    }
    assert.ok(
      conf.includes(JSON.stringify(busPermissions("poller").subscribe).slice(1, -1).replace(/,/g, ", ")),
    );
    assert.equal(statSync(path.join(out, "tls", "server-key.pem")).mode & 0o777, 0o600);
  });
});

describe("the bus over TLS (real nats-server with the generated certificate)", () => {
  const tls = tempDir("tl-compose-tls");
  let nats: Awaited<ReturnType<typeof startNats>>;
  before(async () => {
    generateComposeSecrets(tls);
    nats = await startNats({ extraConfig: natsTlsBlock(path.join(tls, "tls")) });
  });
  after(() => nats?.stop());

  test("a service with its NKEY and the CA connects; without the CA or a key it is refused", async () => {
    const url = nats.url.replace("nats://", "tls://");
    const ca = path.join(tls, "tls", "ca.pem");
    const bus = await connectBus({
      ...nats.client("poller"),
      url,
      tlsCaFile: ca,
      service: "poller",
      logger: createLogger("compose-test", {}, { level: "silent" }),
      maxReconnectAttempts: 0,
    });
    assert.equal(bus.status().connected, true);
    await bus.flush();
    await bus.drain();
    // The server's certificate is signed by the local CA only: the system trust store rejects it.
    await assert.rejects(
      connectBus({
        ...nats.client("poller"),
        url,
        service: "poller",
        logger: createLogger("compose-test", {}, { level: "silent" }),
        maxReconnectAttempts: 0,
      }),
    );
    await assert.rejects(
      connect({ servers: url, tls: { caFile: ca }, reconnect: false }),
      /authorization violation/i,
    );
  });
});
