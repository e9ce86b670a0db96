import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const MSAL_CLIENT = fileURLToPath(new URL("./msal-client.ts", import.meta.url));

/**
 * Runs a TypeScript script in a child `node --import tsx` with NODE_EXTRA_CA_CERTS set, the way our
 * services trust the simulator. Resolves with stdout/stderr; kills the child after `timeoutMs`.
 */
export function runChild(
  script: string,
  args: string[],
  opts: { caCertPath: string; timeoutMs?: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: opts.caCertPath },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The `RESULT <json>` line a fixture prints. */
export function parseResult<T>(stdout: string, stderr: string): T {
  const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`child printed no RESULT line.\nstdout: ${stdout}\nstderr: ${stderr}`);
  return JSON.parse(line.slice("RESULT ".length)) as T;
}
