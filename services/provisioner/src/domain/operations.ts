import { createHash } from "node:crypto";
import type {
  GraphRequestView,
  Operation,
  OperationInput,
  OperationStatus,
  OperationStep,
} from "@tenantlens/contracts";

/** Role template id of Global Administrator (the same in every tenant). */
export const GLOBAL_ADMIN_TEMPLATE = "62e90394-69f5-4237-9190-012177145e10";

/** The operation id is derived from the workspace and the client's request id: one id, one change. */
export function operationId(workspaceId: string, requestId: string): string {
  return `op_${createHash("sha256").update(`${workspaceId}\n${requestId}`).digest("hex").slice(0, 24)}`;
}

/** What the same request id must repeat to be "the same request" (password included, hashed). */
export function fingerprint(integrationId: string, dryRun: boolean, op: OperationInput): string {
  return createHash("sha256").update(JSON.stringify({ integrationId, dryRun, op })).digest("hex");
}

/** The input as recorded and returned: never a password. */
export function redactInput(op: OperationInput): Record<string, unknown> {
  if (op.kind !== "create_user") return { ...op };
  return { ...op, user: { ...op.user, password: "***" } };
}

/** Graph path segment of a user given by object id or userPrincipalName. */
export function userSegment(ref: string): string {
  return encodeURIComponent(ref);
}

/** A request to send: `body` as sent, `shown` as recorded (secrets masked). */
export interface PlannedRequest {
  name: string;
  method: GraphRequestView["method"];
  url: string;
  body: unknown;
  shown?: unknown;
  /** A read done to plan (sent in dry runs too); writes are only sent for real. */
  read?: boolean;
}

export function view(r: PlannedRequest): GraphRequestView {
  return { method: r.method, url: r.url, body: r.shown !== undefined ? r.shown : (r.body ?? null) };
}

/** `POST /users` for a create operation (the password only in the body that is sent). */
export function createUserRequest(
  base: string,
  op: Extract<OperationInput, { kind: "create_user" }>,
): PlannedRequest {
  const { password, forceChangePasswordNextSignIn, ...props } = op.user;
  const body = { ...props, passwordProfile: { password, forceChangePasswordNextSignIn } };
  return {
    name: `Create user ${op.user.userPrincipalName}`,
    method: "POST",
    url: `${base}/users`,
    body,
    shown: { ...props, passwordProfile: { password: "***", forceChangePasswordNextSignIn } },
  };
}

export function patchUser(
  base: string,
  userId: string,
  name: string,
  body: Record<string, unknown>,
): PlannedRequest {
  return { name, method: "PATCH", url: `${base}/users/${userSegment(userId)}`, body };
}

export function addMember(base: string, groupId: string, userObjectId: string): PlannedRequest {
  return {
    name: `Add to group ${groupId}`,
    method: "POST",
    url: `${base}/groups/${groupId}/members/$ref`,
    body: { "@odata.id": `${base}/directoryObjects/${userObjectId}` },
  };
}

export function removeMember(
  base: string,
  groupId: string,
  userObjectId: string,
  label?: string,
): PlannedRequest {
  return {
    name: `Remove from group ${label ? `${label} (${groupId})` : groupId}`,
    method: "DELETE",
    url: `${base}/groups/${groupId}/members/${userObjectId}/$ref`,
    body: null,
  };
}

export function revokeSessions(base: string, userObjectId: string): PlannedRequest {
  return {
    name: "Revoke sign-in sessions",
    method: "POST",
    url: `${base}/users/${userObjectId}/revokeSignInSessions`,
    body: null,
  };
}

export function removeLicenses(
  base: string,
  userObjectId: string,
  skuIds: readonly string[],
): PlannedRequest {
  return {
    name: `Remove licences ${skuIds.join(", ")}`,
    method: "POST",
    url: `${base}/users/${userObjectId}/assignLicense`,
    body: { addLicenses: [], removeLicenses: [...skuIds] },
  };
}

/** Whether a user (object id and UPN) is on the workspace's protected list (case-insensitive). */
export function isProtected(
  protectedUsers: readonly string[],
  user: { id: string; userPrincipalName: string | null },
): boolean {
  const names = new Set(protectedUsers.map((p) => p.toLowerCase()));
  return (
    names.has(user.id.toLowerCase()) ||
    (!!user.userPrincipalName && names.has(user.userPrincipalName.toLowerCase()))
  );
}

/**
 * A user is the last Global Administrator when they hold the role and no other enabled user does:
 * disabling them could lock everyone out of the tenant's administration.
 */
export function isLastGlobalAdmin(
  members: readonly { id: string; type: string; accountEnabled: boolean | null }[],
  userId: string,
): boolean {
  const users = members.filter((m) => m.type === "#microsoft.graph.user");
  if (!users.some((m) => m.id === userId)) return false;
  return !users.some((m) => m.id !== userId && m.accountEnabled !== false);
}

/** The overall status from the steps (writes only: reads never change anything). */
export function statusOf(
  steps: readonly (OperationStep & { write: boolean })[],
  dryRun: boolean,
): OperationStatus {
  if (dryRun) return "planned";
  const failed = steps.some((s) => s.outcome === "failed");
  const wrote = steps.some((s) => s.write && s.outcome === "done");
  if (!failed) return "succeeded";
  return wrote ? "partial" : "failed";
}

/** One or two sentences: what was done, what failed, and what was not done. */
export function summarize(
  kind: Operation["kind"],
  status: OperationStatus,
  steps: readonly (OperationStep & { write: boolean })[],
): string {
  const writes = steps.filter((s) => s.write);
  const names = (outcome: OperationStep["outcome"]) =>
    writes.filter((s) => s.outcome === outcome).map((s) => s.name);
  const done = names("done");
  const skipped = names("skipped");
  const failed = steps.find((s) => s.outcome === "failed");
  const notDone = names("planned");
  if (status === "planned")
    return `Dry run of ${kind}: ${writes.length} write request(s) would be sent; nothing was changed.`;
  const parts: string[] = [];
  parts.push(done.length ? `Done: ${done.join("; ")}.` : "Nothing was changed.");
  if (skipped.length) parts.push(`Skipped: ${skipped.join("; ")}.`);
  if (failed) parts.push(`Failed: ${failed.name} (${failed.error ?? `HTTP ${failed.httpStatus}`}).`);
  if (notDone.length) parts.push(`Not done (stopped after the failure): ${notDone.join("; ")}.`);
  return parts.join(" ");
}
