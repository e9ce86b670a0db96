import type { Bus } from "@tenantlens/bus";
import { AlertCreate, AlertList, ChannelCreate, ChannelList, DEFAULT_WORKSPACE } from "@tenantlens/contracts";

/**
 * The demo workspace's alert: email on new critical and high violations, to a mailbox the local
 * mail catcher receives. Created over NATS with the notifier's own requests (the same ones the
 * REST routes map onto), once: a later `npm start` finds them by name and leaves them alone.
 */
export const DEMO_CHANNEL_NAME = "Demo mailbox (local mail catcher)";
export const DEMO_ALERT_NAME = "New critical and high violations";
export const DEMO_RECIPIENT = "security-team@demo.tenantlens.test";

export async function ensureDemoAlert(
  bus: Bus,
): Promise<{ channelId: string; alertId: string; created: boolean }> {
  const workspaceId = DEFAULT_WORKSPACE;
  const actor = "npm-start";
  const { channels } = await bus.request(ChannelList, { workspaceId });
  const channel =
    channels.find((c) => c.name === DEMO_CHANNEL_NAME) ??
    (
      await bus.request(ChannelCreate, {
        kind: "email",
        workspaceId,
        actor,
        name: DEMO_CHANNEL_NAME,
        recipients: [DEMO_RECIPIENT],
      })
    ).channel;
  const { alerts } = await bus.request(AlertList, { workspaceId });
  const existing = alerts.find((a) => a.name === DEMO_ALERT_NAME);
  if (existing) return { channelId: channel.id, alertId: existing.id, created: false };
  const { alert } = await bus.request(AlertCreate, {
    kind: "rule",
    workspaceId,
    actor,
    name: DEMO_ALERT_NAME,
    channelIds: [channel.id],
    filters: { severities: ["critical", "high"], on: ["opened", "reopened"] },
  });
  return { channelId: channel.id, alertId: alert.id, created: true };
}
