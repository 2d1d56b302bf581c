import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * State of `storage:migrate`: which backend holds the store (or a tenant's part of it), and each
 * migration between backends with every object it copies and verifies, so an interrupted one
 * resumes where it stopped.
 */
export class CreateBackendMigrations1767398400000 implements MigrationInterface {
  readonly name = 'CreateBackendMigrations1767398400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE object_store_backends (
        scope text PRIMARY KEY,
        backend text NOT NULL CHECK (backend IN ('local', 's3')),
        previous_backend text CHECK (previous_backend IN ('local', 's3')),
        migration_id uuid,
        switched_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE backend_migrations (
        id uuid PRIMARY KEY,
        scope text NOT NULL,
        from_backend text NOT NULL CHECK (from_backend IN ('local', 's3')),
        to_backend text NOT NULL CHECK (to_backend IN ('local', 's3')),
        rollback_of uuid REFERENCES backend_migrations (id),
        state text NOT NULL CHECK (state IN ('copying', 'switched', 'rolled_back')),
        started_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        switched_at timestamptz,
        CHECK (from_backend <> to_backend)
      )`);
    // One migration at a time per scope.
    await q.query(`CREATE UNIQUE INDEX backend_migrations_open_idx ON backend_migrations (scope) WHERE state = 'copying'`);
    await q.query(`
      CREATE TABLE backend_migration_objects (
        migration_id uuid NOT NULL REFERENCES backend_migrations (id) ON DELETE CASCADE,
        key text NOT NULL,
        size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
        checksum_sha256 text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'copied', 'verified')),
        copies int NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (migration_id, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS backend_migration_objects`);
    await q.query(`DROP TABLE IF EXISTS backend_migrations`);
    await q.query(`DROP TABLE IF EXISTS object_store_backends`);
  }
}
