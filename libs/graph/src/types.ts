/** DuckDB types the warehouse uses for Graph properties. Objects and arrays of objects are JSON. */
export type ColumnType = "VARCHAR" | "BOOLEAN" | "BIGINT" | "DOUBLE" | "TIMESTAMPTZ" | "VARCHAR[]" | "JSON";

export interface ColumnDef {
  /** snake_case column name. */
  name: string;
  /** Graph property it comes from (camelCase), or null for columns the warehouse adds. */
  property: string | null;
  type: ColumnType;
  description: string;
}

export type Licence = "p1" | "p2" | "intune";

/**
 * A resource the poller does not request itself: it is carried inside another resource's delta
 * read as a navigation property (`<relation>@delta` entries), e.g. group memberships inside
 * `/groups/delta`. Its rows are `{ id: "<parentId>:<targetId>", <parentKey>, memberId, memberType }`.
 */
export interface DerivedDef {
  /** Catalog name of the delta resource whose pages carry it (e.g. "groups"). */
  from: string;
  /** Navigation property added to the parent's `$select` (e.g. "members"). */
  relation: string;
  /** Property of the derived row that holds the parent's id (e.g. "groupId"). */
  parentKey: string;
}

/**
 * A resource read per object of another collection (`/servicePrincipals/{id}/appRoleAssignedTo`):
 * the poller lists the parents' ids, then reads `path` with `{id}` replaced for each parent. Rows
 * are keyed `<parentId>:<childId>` and carry the parent's id under `parentKey`.
 */
export interface FanOutDef {
  /** Catalog name of the parent collection (e.g. "servicePrincipals"); its path lists the parents. */
  from: string;
  /** Property of the row that holds the parent's id (e.g. "servicePrincipalId"). */
  parentKey: string;
  /**
   * The children are references to directory objects (owners): each row is
   * `{id, <parentKey>, <idKey>: child id, <typeKey>: child "@odata.type"}` instead of the child's
   * own properties.
   */
  reference: { idKey: string; typeKey: string } | null;
}

/** An append-only log (audits, sign-ins): read by time window on `timeField`, never diffed. */
export interface LogDef {
  /** Property Graph filters and orders the entries by (`activityDateTime`, `createdDateTime`). */
  timeField: string;
}

export interface ResourceDef {
  /** Catalog key, also the `resource` field of collection messages (e.g. "users"). */
  name: string;
  /** Warehouse table, `azuread_<snake_case_singular>`. */
  table: string;
  description: string;
  /** Graph path below the version, e.g. "/users". */
  path: string;
  version: "v1.0" | "beta";
  /** Graph has `<path>/delta` for it. */
  delta: boolean;
  /** `$top` for list calls (ignored by delta, which pages itself). */
  pageSize: number | null;
  /** The resource is one object (e.g. a policy), not a collection. */
  singleton: boolean;
  /** Application permissions that each allow reading it (least privileged first). */
  permissions: string[];
  /** Licence the tenant needs, if any. */
  licence: Licence | null;
  /**
   * Send `$select` with the column properties. False for polymorphic collections (named locations,
   * identity providers): Graph selects derived-type properties only with a type cast.
   */
  select: boolean;
  /** Row key of a singleton whose Graph answer carries no id (e.g. adminConsentRequestPolicy). */
  singletonId: string | null;
  /**
   * Query options added to the first request, unencoded, e.g. a `$filter` Graph requires or an
   * `$expand` of navigation properties the rows need (`$filter=scopeId eq '/'&$expand=policy`).
   */
  query: string | null;
  /** Set when the resource is read inside another resource's delta (see DerivedDef). */
  derived: DerivedDef | null;
  /** Property that keys a row whose Graph object has no id (partner configurations: `tenantId`). */
  idProperty: string | null;
  /** Set when the resource is read per object of another collection (see FanOutDef). */
  fanOut: FanOutDef | null;
  /** Set for append-only logs (see LogDef). */
  log: LogDef | null;
  /**
   * Graph serves it only to a signed-in user (`/me/...`, Lighthouse): app-only integrations
   * report it "not collected" with the reason.
   */
  delegatedOnly: boolean;
  /**
   * About one row per user or device of the tenant, and no delta: every full read pages through
   * the whole list (100,000 users: a thousand pages at Graph's page size of 100), so a poll takes
   * it up among the first (the poller's read order).
   */
  scalesWithTenant: boolean;
  /** Graph properties columns, in order (system columns are added around them). */
  columns: ColumnDef[];
}
