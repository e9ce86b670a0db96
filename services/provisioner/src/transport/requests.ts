import type { Bus } from "@tenantlens/bus";
import {
  OperationGet,
  OperationList,
  OperationRun,
  SettingsGet,
  SettingsUpdate,
} from "@tenantlens/contracts";
import type { Provisioner } from "../service.js";

/** NATS request handlers: the bus validates requests and responses; each calls one verb. */
export function serveProvisioner(bus: Bus, svc: Provisioner): void {
  bus.serve(OperationRun, (req) => svc.run(req));
  bus.serve(OperationList, (req) => svc.list(req));
  bus.serve(OperationGet, (req) => svc.get(req));
  bus.serve(SettingsGet, (req) => svc.getSettings(req));
  bus.serve(SettingsUpdate, (req) => svc.updateSettings(req));
}
