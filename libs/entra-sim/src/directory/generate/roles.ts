import type * as MG from "@microsoft/microsoft-graph-types";
import { hash4, stableGuid } from "../hash.js";
import { ACTIVATED_ROLE_TEMPLATES, ROLE_TEMPLATES, type RoleTemplate } from "./catalog.js";
import { DAY, type GenContext, iso } from "./context.js";

const KR = 0x7013;

export function templateById(id: string): RoleTemplate | undefined {
  return ROLE_TEMPLATES.find((t) => t.id === id);
}

export function directoryRoleAt(ctx: GenContext, r: number): MG.DirectoryRole {
  const tpl = templateById(ACTIVATED_ROLE_TEMPLATES[r % ACTIVATED_ROLE_TEMPLATES.length]!)!;
  return {
    id: ctx.ids.encode("directoryRole", r),
    deletedDateTime: null,
    description: tpl.description,
    displayName: tpl.displayName,
    roleTemplateId: tpl.id,
  };
}

export function directoryRoleTemplates(): MG.DirectoryRoleTemplate[] {
  return ROLE_TEMPLATES.map((t) => ({
    id: t.id,
    deletedDateTime: null,
    description: t.description,
    displayName: t.displayName,
  }));
}

export function roleDefinitions(ctx: GenContext): MG.UnifiedRoleDefinition[] {
  const builtIn = ROLE_TEMPLATES.map(
    (t): MG.UnifiedRoleDefinition => ({
      id: t.id,
      description: t.description,
      displayName: t.displayName,
      isBuiltIn: true,
      isEnabled: true,
      resourceScopes: ["/"],
      rolePermissions: [{ allowedResourceActions: t.actions, condition: null, excludedResourceActions: [] }],
      templateId: t.id,
      version: "1",
    }),
  );
  const customId = stableGuid(ctx.seed, KR, 1);
  return [
    ...builtIn,
    {
      id: customId,
      description: "Can reset passwords and read sign-in logs for the helpdesk team.",
      displayName: "Custom Helpdesk Operator",
      isBuiltIn: false,
      isEnabled: true,
      resourceScopes: ["/"],
      rolePermissions: [
        {
          allowedResourceActions: [
            "microsoft.directory/users/password/update",
            "microsoft.directory/signInReports/allProperties/read",
          ],
          condition: null,
          excludedResourceActions: [],
        },
      ],
      templateId: customId,
      version: null,
    },
  ];
}

/** Unified role assignment ids look like base64url(role) + base64url(principal) + "-1" in Graph. */
export function roleAssignmentId(templateId: string, principalId: string, scope = "/"): string {
  const b = (g: string) =>
    /^[0-9a-f-]{36}$/i.test(g)
      ? Buffer.from(g.replaceAll("-", ""), "hex").toString("base64url")
      : Buffer.from(g).toString("base64url");
  return `${b(templateId)}${b(principalId)}-${scope === "/" ? 1 : `${b(scope.split("/").pop() ?? "")}-1`}`;
}

export function eligibilityInstance(
  ctx: GenContext,
  k: number,
  templateId: string,
  principalId: string,
): MG.UnifiedRoleEligibilityScheduleInstance {
  const start = ctx.ref - (10 + (hash4(ctx.seed, KR, k, 1) % 300)) * DAY;
  const permanent = hash4(ctx.seed, KR, k, 2) % 3 === 0;
  return {
    id: roleAssignmentId(templateId, principalId).replace(/-1$/, "-e"),
    appScopeId: null,
    directoryScopeId: "/",
    principalId,
    roleDefinitionId: templateId,
    endDateTime: permanent ? null : iso(start + 365 * DAY),
    memberType: "Direct",
    roleEligibilityScheduleId: stableGuid(ctx.seed, KR, k, 3),
    startDateTime: iso(start),
  };
}
