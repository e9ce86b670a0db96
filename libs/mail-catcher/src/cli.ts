import { parseArgs } from "node:util";
import { startCatcher } from "./catcher.js";

/**
 * `node --import tsx libs/mail-catcher/src/cli.ts --dir <dir> [--smtp-port 0] [--http-port 0]`
 * Prints one line `READY {"smtpUrl":…,"httpUrl":…,"dir":…}` once it accepts mail; stops on SIGTERM.
 */
const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    "smtp-port": { type: "string", default: "0" },
    "http-port": { type: "string", default: "0" },
    "no-viewer": { type: "boolean", default: false },
  },
});
if (!values.dir) {
  process.stderr.write("mail-catcher: --dir is required\n");
  process.exit(2);
}
const port = (v: string | undefined, name: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    process.stderr.write(`mail-catcher: ${name} must be a port (0-65535)\n`);
    process.exit(2);
  }
  return n;
};

const catcher = await startCatcher({
  dir: values.dir,
  host: values.host,
  smtpPort: port(values["smtp-port"], "--smtp-port"),
  httpPort: values["no-viewer"] ? null : port(values["http-port"], "--http-port"),
});
const stop = () => {
  void catcher.close().finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdout.write(
  `READY ${JSON.stringify({ smtpUrl: catcher.smtpUrl, httpUrl: catcher.httpUrl, dir: catcher.dir })}\n`,
);
