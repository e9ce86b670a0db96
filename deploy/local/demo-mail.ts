import path from "node:path";
import { parseReadyLine, type ReadyLine } from "@tenantlens/mail-catcher";
import type { ChildSpec } from "./child.js";
import type { ApiClient } from "./demo.js";
import { DEMO_ALERT_NAME, DEMO_RECIPIENT, ensureDemoAlert } from "./demo-alert.js";
import { isListening } from "./ports.js";
import type { Supervisor } from "./supervisor.js";

type TsxChild = <T>(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  args: string[],
  readyFrom: (line: string) => T | undefined,
) => ChildSpec<T>;

export interface DemoMail extends ReadyLine {
  /** Creates the demo alert (email on new critical/high violations) over REST unless it exists. */
  ensureAlert(api: ApiClient): Promise<{ name: string; recipient: string }>;
}

/** The viewer's usual port (Mailpit's), when it is free. */
const VIEWER_PORT = 8025;

/**
 * Unless SMTP_URL points at a real server, `npm start` runs the mail catcher (libs/mail-catcher):
 * an SMTP server on loopback that keeps each message under `<data dir>/mail/` and shows them in a
 * small web page. The notifier gets its address as SMTP_URL.
 */
export async function startDemoMail(
  supervisor: Supervisor,
  tsxChild: TsxChild,
  dataDir: string,
  logLevel: string,
  smtpUrl: string | undefined,
): Promise<DemoMail | null> {
  if (smtpUrl) return null;
  const dir = path.join(dataDir, "mail");
  const httpPort = (await isListening(VIEWER_PORT)) ? 0 : VIEWER_PORT;
  const ready = await supervisor.start(
    "mail",
    () =>
      tsxChild(
        "mail",
        "libs/mail-catcher/src/cli.ts",
        { ...process.env, LOG_LEVEL: logLevel },
        ["--dir", dir, "--http-port", String(httpPort)],
        parseReadyLine,
      ),
    { restart: false },
  );
  return {
    ...ready,
    async ensureAlert(api) {
      await ensureDemoAlert(api);
      return { name: DEMO_ALERT_NAME, recipient: DEMO_RECIPIENT };
    },
  };
}
