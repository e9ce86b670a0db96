import type { ApiClient } from "./demo.js";

/**
 * The demo workspace's alert: email on new critical and high violations, to a mailbox the local
 * mail catcher receives. Created over the REST API like a user would, once: a later `npm start`
 * finds them by name and leaves them alone.
 */
export const DEMO_CHANNEL_NAME = "Demo mailbox (local mail catcher)";
export const DEMO_ALERT_NAME = "New critical and high violations";
export const DEMO_RECIPIENT = "security-team@demo.tenantlens.test";

interface Named {
  id: string;
  name: string;
}

export async function ensureDemoAlert(
  api: ApiClient,
): Promise<{ channelId: string; alertId: string; created: boolean }> {
  const { channels } = await api.call<{ channels: Named[] }>("GET", "/api/channels");
  const channel =
    channels.find((c) => c.name === DEMO_CHANNEL_NAME) ??
    (
      await api.call<{ channel: Named }>("POST", "/api/channels", {
        kind: "email",
        name: DEMO_CHANNEL_NAME,
        recipients: [DEMO_RECIPIENT],
      })
    ).channel;
  const { alerts } = await api.call<{ alerts: Named[] }>("GET", "/api/alerts");
  const existing = alerts.find((a) => a.name === DEMO_ALERT_NAME);
  if (existing) return { channelId: channel.id, alertId: existing.id, created: false };
  const { alert } = await api.call<{ alert: Named }>("POST", "/api/alerts", {
    kind: "rule",
    name: DEMO_ALERT_NAME,
    channelIds: [channel.id],
    filters: { severities: ["critical", "high"], on: ["opened", "reopened"] },
  });
  return { channelId: channel.id, alertId: alert.id, created: true };
}
