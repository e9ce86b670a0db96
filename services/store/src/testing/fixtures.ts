import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type {
  EventPayload,
  PageCollected,
  PollCompleted,
  PollStarted,
  ResourceCollected,
} from "@tenantlens/contracts";
import type { MessageRef } from "../adapters/bookkeeping.js";

/** Test data: ids in the contract formats, Graph-shaped users and groups, and message envelopes. */
let counter = 0;
const alnum = () => randomUUID().replaceAll("-", "").slice(0, 20);

export const newIntegrationId = () => `int_${alnum()}`;
export const newPollId = () => `poll_${alnum()}`;
export const newWorkspaceId = () => `ws-${alnum().slice(0, 10)}`;

export interface Ref {
  workspaceId: string;
  integrationId: string;
  tenantId: string;
}

export function newRef(workspaceId = newWorkspaceId()): Ref {
  return { workspaceId, integrationId: newIntegrationId(), tenantId: randomUUID() };
}

export function userObject(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
  return {
    id,
    displayName: `User ${i}`,
    userPrincipalName: `user${i}@contoso.test`,
    mail: `user${i}@contoso.test`,
    givenName: "User",
    surname: String(i),
    jobTitle: i % 3 === 0 ? "Engineer" : null,
    department: ["Sales", "IT", "HR"][i % 3],
    userType: i % 10 === 0 ? "Guest" : "Member",
    accountEnabled: i % 7 !== 0,
    createdDateTime: "2023-01-02T03:04:05Z",
    onPremisesSyncEnabled: null,
    proxyAddresses: [`SMTP:user${i}@contoso.test`],
    businessPhones: [],
    identities: [
      { signInType: "userPrincipalName", issuer: "contoso.test", issuerAssignedId: `user${i}@contoso.test` },
    ],
    assignedLicenses: [],
    ...overrides,
  };
}

export function groupObject(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `10000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    displayName: `Group ${i}`,
    mailEnabled: false,
    securityEnabled: true,
    groupTypes: i % 2 === 0 ? ["Unified"] : [],
    isAssignableToRole: false,
    createdDateTime: "2023-05-06T07:08:09Z",
    ...overrides,
  };
}

export function msgRef(key: string, subject = "test"): MessageRef {
  counter++;
  return { key, stream: "TL_COLLECT", seq: counter, subject };
}

export function pollStarted(ref: Ref, pollId: string, at: string): EventPayload<typeof PollStarted> {
  return { ...ref, pollId, resources: ["users", "groups"], reason: "manual", startedAt: at };
}

export function page(
  ref: Ref,
  pollId: string,
  p: {
    resource?: string;
    mode?: "full" | "delta";
    page?: number;
    chunk?: number;
    objects?: Record<string, unknown>[];
    removed?: { id: string; reason: "changed" | "deleted" }[];
    at: string;
  },
): EventPayload<typeof PageCollected> {
  return {
    ...ref,
    pollId,
    resource: p.resource ?? "users",
    mode: p.mode ?? "full",
    page: p.page ?? 0,
    chunk: p.chunk ?? 0,
    objects: p.objects ?? [],
    removed: p.removed ?? [],
    collectedAt: p.at,
  };
}

export function resourceCollected(
  ref: Ref,
  pollId: string,
  p: {
    resource?: string;
    mode?: "full" | "delta";
    outcome?: "complete" | "partial" | "failed" | "not_collected";
    at: string;
  },
): EventPayload<typeof ResourceCollected> {
  return {
    ...ref,
    pollId,
    resource: p.resource ?? "users",
    mode: p.mode ?? "full",
    outcome: p.outcome ?? "complete",
    reason: null,
    objectCount: 0,
    removedCount: 0,
    pages: 1,
    durationMs: 5,
    collectedAt: p.at,
  };
}

export function pollCompleted(
  ref: Ref,
  pollId: string,
  p: { startedAt: string; at: string; outcome?: "succeeded" | "partial" | "failed" },
): EventPayload<typeof PollCompleted> {
  return {
    ...ref,
    pollId,
    outcome: p.outcome ?? "succeeded",
    error: null,
    startedAt: p.startedAt,
    completedAt: p.at,
    resources: [{ resource: "users", mode: "full", outcome: "complete", reason: null, objectCount: 0 }],
  };
}

/** A temporary directory removed by the returned cleanup. */
export async function tempDir(prefix = "tl-store-"): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
