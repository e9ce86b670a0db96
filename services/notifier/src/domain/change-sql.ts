import type { AlertFiltersOf, ChangeCondition, ChangeItem } from "@tenantlens/contracts";
import { type ResourceDef, resourceByTable } from "@tenantlens/graph";
import { MAX_ITEMS } from "./messages.js";

/**
 * Change alerts read the `<table>_changes` history of the polls a generation made visible. The SQL
 * is built only from validated parts: the table and fields come from the catalog, ids match their
 * patterns, every literal is quoted.
 */

type ChangeFilters = AlertFiltersOf<"change">;

/** Which tables a condition applies to. */
export const CONDITION_TABLES: Record<ChangeCondition, string[]> = {
  role_assignable_group: ["azuread_group_member"],
  credential_added: ["azuread_application", "azuread_service_principal"],
};

export class FilterError extends Error {
  override name = "FilterError";
}

/** Checks the filters against the catalog; returns them with `fields` as Graph property names. */
export function normalizeChangeFilters(f: ChangeFilters): ChangeFilters {
  const resource = resourceByTable(f.table);
  if (!resource)
    throw new FilterError(
      `unknown table ${f.table}: change alerts watch a resource table such as azuread_user`,
    );
  if (f.condition && !CONDITION_TABLES[f.condition].includes(f.table))
    throw new FilterError(
      `condition ${f.condition} applies to ${CONDITION_TABLES[f.condition].join(" and ")}, not ${f.table}`,
    );
  if (!f.fields) return f;
  const fields = f.fields.map((name) => propertyOf(resource, name));
  return { ...f, fields: [...new Set(fields)] };
}

function propertyOf(resource: ResourceDef, name: string): string {
  const col = resource.columns.find((c) => c.name === name || c.property === name);
  if (!col?.property) {
    const known = resource.columns.filter((c) => c.property && c.name !== "id").map((c) => c.name);
    throw new FilterError(`${resource.table} has no field ${name}; known: ${known.join(", ")}`);
  }
  return col.property;
}

export const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const list = (values: readonly string[]) => values.map(quote).join(", ");

const credentialIds = (col: string) =>
  `coalesce(json_extract_string(c.${col}, '$.passwordCredentials[*].keyId'), []::VARCHAR[]) || ` +
  `coalesce(json_extract_string(c.${col}, '$.keyCredentials[*].keyId'), []::VARCHAR[])`;

/** The query for one alert over the polls of one generation (at most MAX_ITEMS rows, plus `total`). */
export function changeSql(f: ChangeFilters, pollIds: readonly string[]): string {
  const where = [
    `c.poll_id IN (${list(pollIds)})`,
    `c.change_type IN (${list(f.changeTypes)})`,
    // An integration's first collection is its baseline: everything in it is "added", nothing new.
    `EXISTS (SELECT 1 FROM polls p WHERE p.integration_id = c.integration_id AND p.poll_id NOT IN (${list(pollIds)})
      AND p.status IN ('succeeded', 'partial'))`,
  ];
  if (f.fields?.length)
    where.push(`(c.change_type <> 'modified' OR list_has_any(c.fields, [${list(f.fields)}]))`);
  if (f.integrationIds?.length) where.push(`c.integration_id IN (${list(f.integrationIds)})`);
  let join = "";
  let extra = "NULL AS group_id, NULL AS group_name";
  if (f.condition === "role_assignable_group") {
    join =
      "JOIN azuread_group g ON g.integration_id = c.integration_id " +
      "AND g.id = json_extract_string(coalesce(c.after, c.before), '$.groupId') AND g.is_assignable_to_role";
    extra = "g.id AS group_id, g.display_name AS group_name";
  }
  if (f.condition === "credential_added") {
    where.push(
      `c.change_type <> 'removed' AND len(list_filter(${credentialIds("after")}, ` +
        `k -> NOT list_contains(${credentialIds("before")}, k))) > 0`,
    );
  }
  return `SELECT c.change_id, c.integration_id, c.resource_id, c.change_type, c.fields, c.before, c.after,
  c.recorded_at, c.poll_id, ${extra}, count(*) OVER () AS total
FROM "${f.table}_changes" c ${join}
WHERE ${where.join("\n  AND ")}
ORDER BY c.recorded_at, c.change_id
LIMIT ${MAX_ITEMS}`;
}

const MAX_VALUE_CHARS = 1_000;

function clip(v: unknown): unknown {
  if (v === undefined) return null;
  const text = JSON.stringify(v);
  return text !== undefined && text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : v;
}

const asObject = (v: unknown): Record<string, unknown> | null => {
  if (typeof v === "string") {
    try {
      return asObject(JSON.parse(v));
    } catch {
      return null;
    }
  }
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
};

const NAME_FIELDS = ["displayName", "userPrincipalName", "appDisplayName", "name", "id"];

/** One result row → the item a message carries. */
export function changeItem(table: string, row: Record<string, unknown>): ChangeItem {
  const before = asObject(row.before);
  const after = asObject(row.after);
  const obj = after ?? before ?? {};
  const fields = Array.isArray(row.fields) ? row.fields.map(String) : [];
  const nameField = NAME_FIELDS.find((k) => typeof obj[k] === "string");
  return {
    changeId: String(row.change_id),
    integrationId: String(row.integration_id),
    table,
    resourceId: String(row.resource_id),
    displayName: nameField ? String(obj[nameField]) : null,
    changeType: row.change_type as ChangeItem["changeType"],
    fields,
    changes: fields.slice(0, 20).map((field) => ({
      field,
      before: clip(before?.[field]),
      after: clip(after?.[field]),
    })),
    group: row.group_id
      ? { id: String(row.group_id), displayName: (row.group_name as string | null) ?? null }
      : null,
    recordedAt: new Date(String(row.recorded_at)).toISOString(),
    pollId: String(row.poll_id),
  };
}
