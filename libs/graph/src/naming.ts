/** `displayName` → `display_name`, `onPremisesSyncEnabled` → `on_premises_sync_enabled`, `oauth2` stays. */
export function snakeCase(property: string): string {
  return property
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}
