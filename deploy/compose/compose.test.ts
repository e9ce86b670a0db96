import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { busPermissions, connectBus } from "@tenantlens/bus";
import { SERVICES } from "@tenantlens/contracts";
import { createLogger } from "@tenantlens/telemetry";
import { repoRoot, startNats, tempDir } from "@tenantlens/testkit";
import { parse } from "yaml";
import { generateComposeSecrets, natsTlsBlock } from "./secrets.js";

// No Docker engine runs here: the compose file is checked statically against what the documented
// generator (`npm run compose:secrets`) makes, and its TLS + NKEY setup is run on a real nats-server.

interface ComposeService {
  command?: string[];
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

  before(() => {
    compose = parse(readFileSync(path.join(repoRoot, "docker-compose.yml"), "utf8"), {
      merge: true,
    }) as ComposeFile;
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
