/**
 * Ingest's queue of account events: a new account (`gateway.user.registered.v1`) gets its base
 * template; a plan's monthly processing reached (`quota.warning.raised.v1` at 100 %) holds the
 * account's auto-runs.
 */
export const INGEST_USERS_QUEUE = 'ingest.users';
