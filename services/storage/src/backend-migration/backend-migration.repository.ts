import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

export type Backend = 'local' | 's3';
export type ObjectState = 'pending' | 'copied' | 'verified';

/** `*` for the whole store, else a user id: that user's folder. */
export type Scope = string;
export const WHOLE_STORE: Scope = '*';

export interface MigrationRun {
  id: string;
  scope: Scope;
  fromBackend: Backend;
  toBackend: Backend;
  rollbackOf: string | null;
  state: 'copying' | 'switched' | 'rolled_back';
}

export interface MigrationObject {
  key: string;
  sizeBytes: number;
  checksumSha256: string;
  state: ObjectState;
  copies: number;
}

export interface ScopeBackend {
  scope: Scope;
  backend: Backend;
  previousBackend: Backend | null;
  migrationId: string | null;
}

const RUN_COLUMNS = `id, scope, from_backend AS "fromBackend", to_backend AS "toBackend", rollback_of AS "rollbackOf", state`;

/** The migration state in the storage schema: backends per scope, runs and their objects. */
export class BackendMigrationRepository {
  constructor(private readonly db: DataSource) {}

  /** The backend recorded for the scope, or for the whole store when the scope has none of its own. */
  async backendOf(scope: Scope): Promise<ScopeBackend | undefined> {
    const rows: ScopeBackend[] = await this.db.query(
      `SELECT scope, backend, previous_backend AS "previousBackend", migration_id AS "migrationId" FROM object_store_backends
       WHERE scope = $1 OR scope = '*' ORDER BY (scope = '*') LIMIT 1`,
      [scope],
    );
    return rows[0];
  }

  async openRun(scope: Scope): Promise<MigrationRun | undefined> {
    const rows: MigrationRun[] = await this.db.query(`SELECT ${RUN_COLUMNS} FROM backend_migrations WHERE scope = $1 AND state = 'copying'`, [scope]);
    return rows[0];
  }

  async createRun(scope: Scope, from: Backend, to: Backend, rollbackOf: string | null): Promise<MigrationRun> {
    const id = randomUUID();
    await this.db.query(`INSERT INTO backend_migrations (id, scope, from_backend, to_backend, rollback_of, state) VALUES ($1, $2, $3, $4, $5, 'copying')`, [
      id,
      scope,
      from,
      to,
      rollbackOf,
    ]);
    return { id, scope, fromBackend: from, toBackend: to, rollbackOf, state: 'copying' };
  }

  async objects(runId: string): Promise<MigrationObject[]> {
    const rows: { key: string; sizeBytes: string; checksumSha256: string; state: ObjectState; copies: number }[] = await this.db.query(
      `SELECT key, size_bytes::text AS "sizeBytes", checksum_sha256 AS "checksumSha256", state, copies FROM backend_migration_objects WHERE migration_id = $1 ORDER BY key`,
      [runId],
    );
    return rows.map((r) => ({ ...r, sizeBytes: Number(r.sizeBytes) }));
  }

  /** Adds objects the run does not know yet, and sends back to pending those whose content changed at the source. */
  async plan(runId: string, objects: { key: string; sizeBytes: number; checksumSha256: string }[]): Promise<number> {
    let changed = 0;
    for (let i = 0; i < objects.length; i += 500) {
      const batch = objects.slice(i, i + 500);
      const result: unknown[] = await this.db.query(
        `INSERT INTO backend_migration_objects (migration_id, key, size_bytes, checksum_sha256, state)
         SELECT $1, key, size, sum, 'pending' FROM unnest($2::text[], $3::bigint[], $4::text[]) AS o(key, size, sum)
         ON CONFLICT (migration_id, key) DO UPDATE SET size_bytes = EXCLUDED.size_bytes, checksum_sha256 = EXCLUDED.checksum_sha256, state = 'pending', updated_at = now()
           WHERE backend_migration_objects.checksum_sha256 <> EXCLUDED.checksum_sha256 OR backend_migration_objects.size_bytes <> EXCLUDED.size_bytes
         RETURNING key`,
        [runId, batch.map((o) => o.key), batch.map((o) => String(o.sizeBytes)), batch.map((o) => o.checksumSha256)],
      );
      changed += result.length;
    }
    return changed;
  }

  async mark(runId: string, key: string, state: ObjectState, copied = false): Promise<void> {
    await this.db.query(
      `UPDATE backend_migration_objects SET state = $3, copies = copies + $4, updated_at = now() WHERE migration_id = $1 AND key = $2`,
      [runId, key, state, copied ? 1 : 0],
    );
    await this.db.query(`UPDATE backend_migrations SET updated_at = now() WHERE id = $1`, [runId]);
  }

  /** An object deleted at the source since it was planned leaves the run. */
  async forget(runId: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM backend_migration_objects WHERE migration_id = $1 AND key = $2`, [runId, key]);
  }

  /**
   * Switches the scope to the run's target in one transaction, only when every object of the run
   * is verified; answers false (and changes nothing) otherwise.
   */
  async switchWhenVerified(run: MigrationRun): Promise<boolean> {
    return this.db.transaction(async (tx: EntityManager) => {
      await tx.query(`SELECT 1 FROM backend_migrations WHERE id = $1 FOR UPDATE`, [run.id]);
      const [{ unverified }] = await tx.query(`SELECT count(*)::int AS unverified FROM backend_migration_objects WHERE migration_id = $1 AND state <> 'verified'`, [run.id]);
      if (unverified > 0) return false;
      await tx.query(
        `INSERT INTO object_store_backends (scope, backend, previous_backend, migration_id, switched_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (scope) DO UPDATE SET backend = EXCLUDED.backend, previous_backend = EXCLUDED.previous_backend, migration_id = EXCLUDED.migration_id, switched_at = now()`,
        [run.scope, run.toBackend, run.fromBackend, run.id],
      );
      await tx.query(`UPDATE backend_migrations SET state = 'switched', switched_at = now(), updated_at = now() WHERE id = $1`, [run.id]);
      // The whole store switched: tenants moved on their own before are on this backend too now.
      if (run.scope === WHOLE_STORE) await tx.query(`DELETE FROM object_store_backends WHERE scope <> '*'`);
      if (run.rollbackOf) await tx.query(`UPDATE backend_migrations SET state = 'rolled_back', updated_at = now() WHERE id = $1`, [run.rollbackOf]);
      return true;
    });
  }
}
