import type { Integration } from "@tenantlens/contracts";

/**
 * Deleting an integration removes what Tenantlens holds (credentials, tokens, optionally the data);
 * the app's access to the tenant stays until an administrator of that tenant removes it. These are
 * the steps, in the Microsoft Entra admin center and over Microsoft Graph (docs/integrations.md says
 * the same).
 */
export function revokeConsentSteps(i: Pick<Integration, "authMode" | "clientId" | "tenantId">): {
  summary: string;
  clientId: string | null;
  tenantId: string | null;
  steps: string[];
} {
  const app = i.clientId ? `the app with application (client) id ${i.clientId}` : "the Tenantlens app";
  const tenant = i.tenantId ? `tenant ${i.tenantId}` : "the tenant";
  const steps = [
    `Sign in to the Microsoft Entra admin center (https://entra.microsoft.com) as a Cloud Application Administrator, Application Administrator or Global Administrator of ${tenant}.`,
    `Go to Entra ID > Enterprise applications > All applications and open ${app} (filter by its application id).`,
    "To remove every permission at once: Properties > Delete, then confirm. This deletes the app's service principal in the tenant, with all of its admin-consented application permissions and delegated grants.",
    "To keep the app but take the permissions back: Security > Permissions, then Revoke permission on each Microsoft Graph permission granted for the organization (or Review permissions for a PowerShell script that removes them all).",
    "Over Microsoft Graph: DELETE /v1.0/servicePrincipals/{id}/appRoleAssignments/{assignmentId} for each application permission, DELETE /v1.0/oauth2PermissionGrants/{grantId} for each delegated grant, or DELETE /v1.0/servicePrincipals/{id} for everything.",
  ];
  if (i.authMode === "app") {
    steps.push(
      "The app registration is your own: under App registrations > the app > Certificates & secrets, delete the client secret or certificate Tenantlens used (or delete the registration).",
    );
  }
  return {
    summary: `Tenantlens no longer uses this integration, but ${app} keeps its consent in ${tenant} until an administrator removes it there.`,
    clientId: i.clientId,
    tenantId: i.tenantId,
    steps,
  };
}
