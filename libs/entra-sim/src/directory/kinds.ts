/** The directory object kinds the store tracks (each has Graph delta support). */
export const KINDS = [
  "user",
  "group",
  "application",
  "servicePrincipal",
  "directoryRole",
  "administrativeUnit",
  "oauth2PermissionGrant",
  "orgContact",
  "device",
] as const;

export type Kind = (typeof KINDS)[number];

/** A JSON object as Graph returns it. */
export type JsonObject = Record<string, unknown>;

/** Small integer per kind, folded into ids and hashes. */
export const KIND_CODE: Record<Kind, number> = {
  user: 1,
  group: 2,
  application: 3,
  servicePrincipal: 4,
  directoryRole: 5,
  administrativeUnit: 6,
  oauth2PermissionGrant: 7,
  orgContact: 8,
  device: 9,
};

export const KIND_BY_CODE: ReadonlyMap<number, Kind> = new Map(KINDS.map((k) => [KIND_CODE[k], k] as const));

/** `@odata.type` value for objects of each kind inside directoryObject collections. */
export const ODATA_TYPE: Record<Kind, string> = {
  user: "#microsoft.graph.user",
  group: "#microsoft.graph.group",
  application: "#microsoft.graph.application",
  servicePrincipal: "#microsoft.graph.servicePrincipal",
  directoryRole: "#microsoft.graph.directoryRole",
  administrativeUnit: "#microsoft.graph.administrativeUnit",
  oauth2PermissionGrant: "#microsoft.graph.oAuth2PermissionGrant",
  orgContact: "#microsoft.graph.orgContact",
  device: "#microsoft.graph.device",
};

export function isKind(s: string): s is Kind {
  return (KINDS as readonly string[]).includes(s);
}

/** Casts a typed Graph object (an interface without index signature) to plain JSON. */
export function asJson<T extends object>(o: T): JsonObject {
  return o as unknown as JsonObject;
}
