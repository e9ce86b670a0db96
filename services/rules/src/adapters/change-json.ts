/**
 * One violation change as JSON text (the contract's ViolationChange), built by DuckDB from a row
 * with resource_id, resource_table, display_name, details, transition, state, first_seen,
 * last_seen, resolved, actor, reason, expires and suppression_id.
 */
export const CHANGE_JSON = `CASE WHEN details IS NULL THEN json_object(
    'resourceId', resource_id, 'table', coalesce(resource_table, ''), 'displayName', display_name,
    'transition', transition, 'state', state, 'firstSeenAt', first_seen, 'lastSeenAt', last_seen,
    'resolvedAt', resolved, 'actor', actor, 'reason', reason, 'expiresAt', expires, 'suppressionId', suppression_id)
  ELSE json_object(
    'resourceId', resource_id, 'table', coalesce(resource_table, ''), 'displayName', display_name,
    'details', CAST(details AS JSON),
    'transition', transition, 'state', state, 'firstSeenAt', first_seen, 'lastSeenAt', last_seen,
    'resolvedAt', resolved, 'actor', actor, 'reason', reason, 'expiresAt', expires, 'suppressionId', suppression_id)
  END`;
