import type { Bus } from "@tenantlens/bus";
import {
  AlertCreate,
  AlertDelete,
  AlertGet,
  AlertList,
  AlertUpdate,
  ChannelCreate,
  ChannelDelete,
  ChannelGet,
  ChannelList,
  ChannelRotate,
  ChannelTest,
  ChannelUpdate,
  NotificationList,
  NotifierSecretsReseal,
} from "@tenantlens/contracts";
import type { Db } from "../adapters/db.js";
import { listNotifications } from "../adapters/state.js";
import type { Alerts } from "../alerts.js";
import type { Channels } from "../channels.js";
import { notificationView } from "../domain/records.js";

/** Request/reply: decode (the bus validates), call one verb, answer. */
export function serveRequests(bus: Bus, channels: Channels, alerts: Alerts, db: Db): void {
  bus.serve(ChannelCreate, (req) => channels.create(req));
  bus.serve(ChannelList, async (req) => ({ channels: await channels.list(req.workspaceId) }));
  bus.serve(ChannelGet, async (req) => ({ channel: await channels.get(req.workspaceId, req.id) }));
  bus.serve(ChannelUpdate, async (req) => ({ channel: await channels.update(req) }));
  bus.serve(ChannelDelete, async (req) => {
    await channels.remove(req.workspaceId, req.id);
    return { deleted: true as const };
  });
  bus.serve(ChannelTest, async (req) => ({ notification: await channels.test(req.workspaceId, req.id) }));
  bus.serve(ChannelRotate, (req) => channels.rotate(req));
  bus.serve(NotifierSecretsReseal, () => channels.resealAll());

  bus.serve(AlertCreate, async (req) => ({ alert: await alerts.create(req) }));
  bus.serve(AlertList, async (req) => ({
    alerts: await alerts.list(req.workspaceId, req.kind, req.channelId),
  }));
  bus.serve(AlertGet, async (req) => ({ alert: await alerts.get(req.workspaceId, req.id) }));
  bus.serve(AlertUpdate, async (req) => ({ alert: await alerts.update(req) }));
  bus.serve(AlertDelete, async (req) => {
    await alerts.remove(req.workspaceId, req.id);
    return { deleted: true as const };
  });

  bus.serve(NotificationList, async (req) => {
    const rows = await db.exclusive((sql) =>
      listNotifications(sql, {
        workspaceId: req.workspaceId,
        alertId: req.alertId,
        channelId: req.channelId,
        status: req.status,
        before: req.before ? Date.parse(req.before) : undefined,
        limit: req.limit,
      }),
    );
    return { notifications: rows.map(notificationView) };
  });
}
