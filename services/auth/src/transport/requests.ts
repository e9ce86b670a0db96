import type { Bus } from "@tenantlens/bus";
import {
  AuthSecretsReseal,
  ConsentComplete,
  ConsentStart,
  IntegrationCreate,
  IntegrationDelete,
  IntegrationGet,
  IntegrationList,
  IntegrationUpdate,
  ProvisioningDisable,
  ProvisioningEnable,
  ProvisioningGet,
  type ResponseOf,
  TokenGet,
} from "@tenantlens/contracts";
import type { ConsentService } from "../consent-service.js";
import type { ProvisioningService } from "../provisioning-service.js";
import type { AuthService } from "../service.js";

/** NATS request handlers: the bus validates requests and responses; each calls one verb. */
export function serveAuth(
  bus: Bus,
  svc: AuthService,
  consent: ConsentService,
  reseal: () => Promise<ResponseOf<typeof AuthSecretsReseal>>,
  provisioning: ProvisioningService,
): void {
  bus.serve(AuthSecretsReseal, () => reseal());
  bus.serve(IntegrationCreate, (req) => svc.create(req));
  bus.serve(IntegrationGet, (req) => svc.get(req));
  bus.serve(IntegrationList, (req) => svc.list(req));
  bus.serve(IntegrationUpdate, (req) => svc.update(req));
  bus.serve(IntegrationDelete, (req) => svc.remove(req));
  bus.serve(TokenGet, (req) => (req.purpose === "provision" ? provisioning.token(req) : svc.token(req)));
  bus.serve(ProvisioningGet, (req) => provisioning.get(req));
  bus.serve(ProvisioningEnable, (req) => provisioning.enable(req));
  bus.serve(ProvisioningDisable, (req) => provisioning.disable(req));
  bus.serve(ConsentStart, (req) => consent.start(req));
  bus.serve(ConsentComplete, (req) => consent.complete(req));
}
