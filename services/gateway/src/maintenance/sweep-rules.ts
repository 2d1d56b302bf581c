/** The tables the auth sweep keeps small. */
export type SweptTable = 'auth_tokens' | 'mail_throttle' | 'refresh_tokens' | 'sessions' | 'idempotency_keys' | 'oauth_states';

/** The instants one sweep measures against, all derived from the sweep's `now`. */
export interface SweepCutoffs {
  now: Date;
  /** `now - AUTH_SWEEP_RETENTION`: what ended before this is no longer needed for audit or reuse detection. */
  retainedSince: Date;
  /** `now - max(MAIL_RESEND_COOLDOWN, 1 day)`: older cooldowns cannot refuse a mail any more. */
  mailCooldownSince: Date;
}

/**
 * Which rows of one table have served their purpose. `where` selects them with `$2`, `$3`, ...
 * bound to `params` (`$1` is the batch size); `key` is the table's primary key.
 */
export interface SweepRule {
  table: SweptTable;
  key: string;
  where: string;
  params(cutoffs: SweepCutoffs): Date[];
}

/**
 * The rules, in the order they run. Used refresh tokens go before sessions, so deleting a session
 * cascades over a short chain only.
 */
export const SWEEP_RULES: readonly SweepRule[] = [
  {
    // Expired links long ago, and used links once they are past their expiry too (until then,
    // opening a used verification link again still answers like the first time).
    table: 'auth_tokens',
    key: 'id',
    where: `expires_at < $2 OR (used_at < $2 AND expires_at <= $3)`,
    params: (c) => [c.retainedSince, c.now],
  },
  { table: 'mail_throttle', key: 'address_hash, purpose', where: `last_sent_at < $2`, params: (c) => [c.mailCooldownSince] },
  {
    // Reuse detection of a token exchanged longer ago than the retention ends here: presenting it
    // again is answered as an unknown token (401 AUTH.REFRESH_TOKEN_INVALID), not as a reuse.
    table: 'refresh_tokens',
    key: 'id',
    where: `used_at < $2`,
    params: (c) => [c.retainedSince],
  },
  // With their remaining refresh tokens (ON DELETE CASCADE).
  { table: 'sessions', key: 'id', where: `revoked_at < $2 OR expires_at < $2`, params: (c) => [c.retainedSince] },
  { table: 'idempotency_keys', key: 'scope, key', where: `expires_at <= $2`, params: (c) => [c.now] },
  // An OAuth state past its expiry cannot be used any more, whether it was or not.
  { table: 'oauth_states', key: 'nonce', where: `expires_at <= $2`, params: (c) => [c.now] },
];

/** One batch of `rule`: at most `$1` rows, skipping rows other transactions hold. */
export function batchDeleteSql(rule: SweepRule): string {
  return `DELETE FROM ${rule.table} WHERE (${rule.key}) IN (
            SELECT ${rule.key} FROM ${rule.table} WHERE ${rule.where} LIMIT $1 FOR UPDATE SKIP LOCKED)`;
}
