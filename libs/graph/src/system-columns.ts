import type { ColumnDef } from "./types.js";

/** Columns every resource table starts with. */
export const leadingColumns: ColumnDef[] = [
  {
    name: "integration_id",
    property: null,
    type: "VARCHAR",
    description: "Tenantlens integration that collected it",
  },
  { name: "tenant_id", property: null, type: "VARCHAR", description: "Entra tenant id" },
];

/** Columns every resource table ends with. */
export const trailingColumns: ColumnDef[] = [
  { name: "_raw", property: null, type: "JSON", description: "The object exactly as Graph returned it" },
  {
    name: "_first_seen_at",
    property: null,
    type: "TIMESTAMPTZ",
    description: "When Tenantlens first saw it",
  },
  { name: "_last_seen_at", property: null, type: "TIMESTAMPTZ", description: "When Tenantlens last saw it" },
];

/** Columns of every `<table>_changes` history table. */
export const changeColumns: ColumnDef[] = [
  { name: "change_id", property: null, type: "VARCHAR", description: "Unique id of the change record" },
  { name: "integration_id", property: null, type: "VARCHAR", description: "Integration" },
  { name: "tenant_id", property: null, type: "VARCHAR", description: "Entra tenant id" },
  { name: "resource_id", property: null, type: "VARCHAR", description: "Object id" },
  { name: "change_type", property: null, type: "VARCHAR", description: "'added', 'modified' or 'removed'" },
  { name: "fields", property: null, type: "VARCHAR[]", description: "Graph properties that changed" },
  { name: "before", property: null, type: "JSON", description: "Object before the change (null when added)" },
  { name: "after", property: null, type: "JSON", description: "Object after the change (null when removed)" },
  { name: "recorded_at", property: null, type: "TIMESTAMPTZ", description: "When the change was recorded" },
  { name: "poll_id", property: null, type: "VARCHAR", description: "Poll that observed it" },
];
