import type * as MG from "@microsoft/microsoft-graph-types";
import { stableGuid, unit } from "../hash.js";
import { DAY, type GenContext, iso } from "./context.js";

/**
 * Seeds for the policy collections a fresh tenant would otherwise answer empty (cross-tenant
 * partners, token issuance, claims mapping, home realm discovery, activity timeout), so every
 * catalog table shows rows in the demo, with a per-seed mix.
 */

const BR = 0xb7ea;
const flag = (ctx: GenContext, n: number, p = 0.5) => unit(ctx.seed, BR, n) < p;
const guid = (ctx: GenContext, n: number, k = 0) => stableGuid(ctx.seed, BR, n, k);

/** Partner-specific cross-tenant settings (Graph gives them no id: `tenantId` keys them). */
export function crossTenantPartners(ctx: GenContext): Record<string, unknown>[] {
  const access = (accessType: "allowed" | "blocked") => ({
    usersAndGroups: { accessType, targets: [{ target: "AllUsers", targetType: "user" }] },
    applications: { accessType, targets: [{ target: "AllApplications", targetType: "application" }] },
  });
  const partner = (k: number, trusting: boolean, blocked: boolean) => ({
    tenantId: guid(ctx, 1, k),
    isServiceProvider: k === 1,
    isInMultiTenantOrganization: false,
    b2bCollaborationInbound: blocked ? access("blocked") : null,
    b2bCollaborationOutbound: null,
    b2bDirectConnectInbound: trusting ? access("allowed") : null,
    b2bDirectConnectOutbound: trusting ? access("allowed") : null,
    inboundTrust: trusting
      ? {
          isMfaAccepted: true,
          isCompliantDeviceAccepted: flag(ctx, 2),
          isHybridAzureADJoinedDeviceAccepted: false,
        }
      : null,
    automaticUserConsentSettings: { inboundAllowed: trusting, outboundAllowed: trusting },
  });
  return [partner(0, true, false), partner(1, flag(ctx, 3), flag(ctx, 4, 0.3))];
}

function sts(
  ctx: GenContext,
  n: number,
  displayName: string,
  definition: Record<string, unknown>,
): MG.StsPolicy & { isOrganizationDefault: boolean } {
  return {
    id: guid(ctx, n),
    deletedDateTime: null,
    definition: [JSON.stringify(definition)],
    description: null,
    displayName,
    isOrganizationDefault: false,
  };
}

export function tokenIssuancePolicies(ctx: GenContext): MG.StsPolicy[] {
  if (!flag(ctx, 10, 0.6)) return [];
  return [
    sts(ctx, 11, "SAML signing: response and assertion", {
      TokenIssuancePolicy: {
        Version: 1,
        SigningAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        TokenResponseSigningPolicy: "ResponseAndToken",
        SamlTokenVersion: "2.0",
      },
    }),
  ];
}

export function claimsMappingPolicies(ctx: GenContext): MG.StsPolicy[] {
  return [
    sts(ctx, 20, "Employee id in tokens", {
      ClaimsMappingPolicy: {
        Version: 1,
        IncludeBasicClaimSet: "true",
        ClaimsSchema: [
          {
            Source: "user",
            ID: "employeeid",
            SamlClaimType: "http://schemas.contoso.com/employeeid",
            JwtClaimType: "employeeid",
          },
        ],
      },
    }),
  ];
}

export function homeRealmDiscoveryPolicies(ctx: GenContext): MG.StsPolicy[] {
  if (!flag(ctx, 30)) return [];
  return [
    sts(ctx, 31, "Accelerate to the federated domain", {
      HomeRealmDiscoveryPolicy: {
        AccelerateToFederatedDomain: true,
        AllowCloudPasswordValidation: flag(ctx, 32),
      },
    }),
  ];
}

export function activityBasedTimeoutPolicies(ctx: GenContext): MG.StsPolicy[] {
  const hours = flag(ctx, 40) ? "01:00:00" : "08:00:00";
  return [
    {
      ...sts(ctx, 41, "Idle session timeout", {
        ActivityBasedTimeoutPolicy: {
          Version: 1,
          ApplicationPolicies: [{ ApplicationId: "default", WebSessionIdleTimeout: hours }],
        },
      }),
      isOrganizationDefault: true,
    },
  ];
}

/** Join and registration settings Graph's beta deviceRegistrationPolicy also carries. */
export function deviceRegistrationExtras(ctx: GenContext): Record<string, unknown> {
  const everyone = flag(ctx, 50, 0.6);
  return {
    azureADJoin: {
      isAdminConfigurable: true,
      allowedToJoin: everyone
        ? { "@odata.type": "#microsoft.graph.allDeviceRegistrationMembership" }
        : {
            "@odata.type": "#microsoft.graph.enumeratedDeviceRegistrationMembership",
            users: [],
            groups: ctx.counts.group > 0 ? [ctx.ids.encode("group", 0)] : [],
          },
    },
    azureADRegistration: {
      isAdminConfigurable: false,
      allowedToRegister: { "@odata.type": "#microsoft.graph.allDeviceRegistrationMembership" },
    },
    localAdminPassword: { isEnabled: flag(ctx, 51) },
  };
}

/** The signed-in admin's personal contacts (delegated `/me/contacts`). */
export function adminContacts(ctx: GenContext): Record<string, unknown>[] {
  return [0, 1, 2].map((k) => ({
    id: `AAMk${guid(ctx, 60, k).replaceAll("-", "")}`,
    displayName: ["Alex Partner", "Sam Auditor", "Robin Vendor"][k],
    givenName: ["Alex", "Sam", "Robin"][k],
    surname: ["Partner", "Auditor", "Vendor"][k],
    companyName: ["Northwind Consulting", "Audit & Co", "Vendor Ltd"][k],
    jobTitle: ["Account manager", "External auditor", "Support lead"][k],
    emailAddresses: [{ name: null, address: `contact${k}@example.org` }],
    businessPhones: [`+1 555 010${k}`],
    createdDateTime: iso(ctx.ref - (200 - k * 30) * DAY),
    lastModifiedDateTime: iso(ctx.ref - (20 - k) * DAY),
  }));
}
