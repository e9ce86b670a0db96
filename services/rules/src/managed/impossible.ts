import type { ImpossibleCheck } from "./types.js";

/**
 * Framework checks that no managed rule implements, with the reason. Everything else in EIDSCA and
 * the CISA ScubaGear Entra ID baseline has a rule (docs/rules.md lists both).
 */
export const impossibleChecks: ImpossibleCheck[] = [
  {
    framework: "CISA ScubaGear",
    id: "MS.AAD.2.2v1",
    title: "A notification SHOULD be sent to the administrator when high-risk users are detected",
    reason:
      "Identity Protection's notification recipients are only exposed by the undocumented beta endpoint identityProtection/settings/notifications, whose permissions Microsoft does not document; Tenantlens collects documented Graph resources only.",
  },
  {
    framework: "CISA ScubaGear",
    id: "MS.AAD.4.1v1",
    title: "Security logs SHALL be sent to the agency's security operations center",
    reason:
      "Where Entra ID sends its logs is a diagnostic setting of Azure Monitor (Azure Resource Manager, microsoft.aadiam/diagnosticSettings), not a Microsoft Graph resource.",
  },
  {
    framework: "CISA ScubaGear",
    id: "MS.AAD.9.1v1",
    title: "Risky AI agents SHALL be blocked",
    reason:
      "Agent identities and their risk are not part of the Graph resources Tenantlens collects (users, groups, applications and service principals, policies, roles); the check has no data to read.",
  },
  {
    framework: "Maester",
    id: "MT.1063",
    title: "App registration owners have MFA registered",
    reason:
      "Application owners are only listed per application (/applications/{id}/owners, one request per app) and are not part of the applications delta Tenantlens reads.",
  },
];
