import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ParsedMail, simpleParser } from "mailparser";
import { messageFiles } from "./catcher.js";

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), "cli.ts");

export interface ReadyLine {
  smtpUrl: string;
  httpUrl: string | null;
  dir: string;
}

/** The `READY {…}` line the catcher prints once it listens. */
export function parseReadyLine(line: string): ReadyLine | undefined {
  if (!line.startsWith("READY ")) return undefined;
  try {
    const v = JSON.parse(line.slice(6)) as Partial<ReadyLine>;
    return typeof v.smtpUrl === "string" && typeof v.dir === "string"
      ? { smtpUrl: v.smtpUrl, httpUrl: v.httpUrl ?? null, dir: v.dir }
      : undefined;
  } catch {
    return undefined;
  }
}

export interface CatcherProcess extends ReadyLine {
  pid: number;
  /** Every message received so far, parsed, oldest first. */
  messages(): Promise<ParsedMail[]>;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of running) c.kill("SIGKILL");
});

/** Runs the catcher as its own process (a real SMTP server on loopback) and waits until it listens. */
export async function startCatcherProcess(
  dir: string,
  opts: { viewer?: boolean } = {},
): Promise<CatcherProcess> {
  const args = ["--import", "tsx", cli, "--dir", dir, ...(opts.viewer ? [] : ["--no-viewer"])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => running.delete(child));
  let output = "";
  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mail catcher did not start:\n${output}`)), 20_000);
    child.stderr?.setEncoding("utf8").on("data", (c: string) => {
      output += c;
    });
    let buf = "";
    child.stdout?.setEncoding("utf8").on("data", (c: string) => {
      output += c;
      buf += c;
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const parsed = parseReadyLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (parsed) {
          clearTimeout(timer);
          resolve(parsed);
        }
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`mail catcher exited before it was ready:\n${output}`));
    });
  });
  return {
    ...ready,
    pid: child.pid ?? -1,
    messages: () => Promise.all(messageFiles(dir).map((f) => simpleParser(readFileSync(f)))),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
