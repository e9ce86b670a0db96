import { snakeCase } from "./naming.js";
import type { ColumnDef, ColumnType, DerivedDef, FanOutDef, Licence, LogDef, ResourceDef } from "./types.js";

/** A Graph property as a column; `column` names it when snake_case would clash (e.g. with tenant_id). */
export type Prop = [property: string, type: ColumnType, description: string, column?: string];

function columns(props: Prop[]): ColumnDef[] {
  return props.map(([property, type, description, column]) => ({
    name: column ?? snakeCase(property),
    property,
    type,
    description,
  }));
}

interface Spec {
  name: string;
  table: string;
  description: string;
  path: string;
  version?: "v1.0" | "beta";
  delta?: boolean;
  pageSize?: number | null;
  singleton?: boolean;
  permissions: string[];
  licence?: Licence;
  select?: boolean;
  singletonId?: string;
  query?: string;
  derived?: DerivedDef;
  idProperty?: string;
  fanOut?: FanOutDef;
  log?: LogDef;
  delegatedOnly?: boolean;
  scalesWithTenant?: boolean;
  /** What `id` is, when it is not a directory object id. */
  idDescription?: string;
  props: Prop[];
}

export function resource(s: Spec): ResourceDef {
  return {
    name: s.name,
    table: s.table,
    description: s.description,
    path: s.path,
    version: s.version ?? "v1.0",
    delta: s.delta ?? false,
    pageSize: s.pageSize === undefined ? 999 : s.pageSize,
    singleton: s.singleton ?? false,
    permissions: s.permissions,
    licence: s.licence ?? null,
    select: s.select ?? true,
    singletonId: s.singletonId ?? null,
    query: s.query ?? null,
    derived: s.derived ?? null,
    idProperty: s.idProperty ?? null,
    fanOut: s.fanOut ?? null,
    log: s.log ?? null,
    delegatedOnly: s.delegatedOnly ?? false,
    scalesWithTenant: s.scalesWithTenant ?? false,
    columns: columns([["id", "VARCHAR", s.idDescription ?? "Object id (GUID) in the directory"], ...s.props]),
  };
}
