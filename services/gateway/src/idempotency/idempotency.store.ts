import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { DataSource, type EntityManager } from 'typeorm';
import type { Logger } from 'winston';
import type { GatewayConfig } from '../config/config.schema';
import { inProgress, keyReused } from './problems';

/** One use of a key: who, which key, and the request it stands for. */
export interface IdempotentRequest {
  /** The caller (user id): keys of different callers never meet. */
  scope: string;
  key: string;
  method: string;
  path: string;
  fingerprint: string;
}

/** The final answer to a request, as it is replayed. */
export interface StoredAnswer {
  status: number;
  /** Only `Location` and `Content-Type`. */
  headers: Record<string, string>;
  body: unknown;
}

/** A live (unexpired) key. */
export interface IdempotencyRecord {
  fingerprint: string;
  state: 'in-progress' | 'completed';
  answer?: StoredAnswer;
}

export type Claim = { claimed: true } | { claimed: false; existing: IdempotencyRecord };

/**
 * How long a claimed key counts as running. A gateway that stops mid-request never answers; after
 * this its key is free again instead of answering 409 until `IDEMPOTENCY_TTL` ends.
 */
const IN_PROGRESS_LEASE_MS = 5 * 60_000;

/** Expired rows deleted per claim: enough to keep up, small enough to cost nothing. */
const SWEEP_BATCH = 20;

/**
 * The keys of `idempotency_keys`: claim one (atomically; an expired key is taken over), store the
 * answer, or let it go again so the client can retry. Keys live `IDEMPOTENCY_TTL` from their answer.
 */
@Injectable()
export class IdempotencyStore {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'IDEMPOTENCY_TTL'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Takes the key for this request (state in-progress, for at most a few minutes), or tells what holds it. Inside `manager`'s
   * transaction, others that claim the same key wait until it ends.
   */
  async claim(request: IdempotentRequest, manager: EntityManager = this.dataSource.manager): Promise<Claim> {
    await this.sweep(manager);
    // A key whose first request failed is deleted; if that happens between the two statements, look again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const taken: unknown[] = await manager.query(
        `INSERT INTO idempotency_keys AS k (scope, key, method, path, fingerprint, state, expires_at)
         VALUES ($1, $2, $3, $4, $5, 'in-progress', now() + $6 * interval '1 millisecond')
         ON CONFLICT (scope, key) DO UPDATE SET
           method = EXCLUDED.method, path = EXCLUDED.path, fingerprint = EXCLUDED.fingerprint, state = 'in-progress',
           response_status = NULL, response_headers = '{}'::jsonb, response_body = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
         WHERE k.expires_at <= now()
         RETURNING scope`,
        [request.scope, request.key, request.method, request.path, request.fingerprint, Math.min(this.config.IDEMPOTENCY_TTL, IN_PROGRESS_LEASE_MS)],
      );
      if (taken.length > 0) return { claimed: true };
      const existing = await this.find(request.scope, request.key, manager);
      if (existing) return { claimed: false, existing };
    }
    throw inProgress();
  }

  /** The live record of a key, if any. */
  async find(scope: string, key: string, manager: EntityManager = this.dataSource.manager): Promise<IdempotencyRecord | undefined> {
    const rows: { fingerprint: string; state: IdempotencyRecord['state']; status: number | null; headers: Record<string, string>; body: unknown }[] =
      await manager.query(
        `SELECT fingerprint, state, response_status AS status, response_headers AS headers, response_body AS body
         FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at > now()`,
        [scope, key],
      );
    const row = rows[0];
    if (!row) return undefined;
    return {
      fingerprint: row.fingerprint,
      state: row.state,
      answer: row.state === 'completed' && row.status !== null ? { status: row.status, headers: row.headers, body: row.body } : undefined,
    };
  }

  /** Stores the final answer of a claimed key; it is replayed until `IDEMPOTENCY_TTL` from now. */
  async complete(request: IdempotentRequest, answer: StoredAnswer, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `UPDATE idempotency_keys SET state = 'completed', response_status = $3, response_headers = $4::jsonb, response_body = $5::jsonb,
         expires_at = now() + $6 * interval '1 millisecond'
       WHERE scope = $1 AND key = $2 AND state = 'in-progress'`,
      [request.scope, request.key, answer.status, JSON.stringify(answer.headers), JSON.stringify(answer.body ?? null), this.config.IDEMPOTENCY_TTL],
    );
  }

  /** Lets a claimed key go (the request failed on the server's side): the client may retry with it. */
  async release(request: IdempotentRequest): Promise<void> {
    await this.dataSource.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'in-progress'`, [request.scope, request.key]);
  }

  /** Deletes a few expired keys; contention or failure only postpones it. */
  private async sweep(manager: EntityManager): Promise<void> {
    try {
      await manager.query(
        `DELETE FROM idempotency_keys WHERE (scope, key) IN (
           SELECT scope, key FROM idempotency_keys WHERE expires_at <= now() LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)`,
      );
    } catch (error) {
      if (manager.queryRunner?.isTransactionActive) throw error;
      this.logger.warn(`could not delete expired idempotency keys: ${(error as Error).message}`);
    }
  }
}

/**
 * What an earlier use of the key means for this request: its answer to replay, or 422
 * `IDEMPOTENCY.KEY_REUSED` (another request), or 409 `IDEMPOTENCY.IN_PROGRESS` (not answered yet).
 */
export function answerToReplay(existing: IdempotencyRecord, fingerprint: string): StoredAnswer {
  if (existing.fingerprint !== fingerprint) throw keyReused();
  if (existing.state !== 'completed' || !existing.answer) throw inProgress();
  return existing.answer;
}
