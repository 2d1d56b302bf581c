import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LeapError } from '@leap/errors';
import { ObjectNotFoundError, type ObjectStore } from '@leap/storage-client';
import { WHOLE_STORE, type Backend, type BackendMigrationRepository, type MigrationObject, type MigrationRun, type Scope } from './backend-migration.repository';
import type { Progress } from './progress';

export interface MigrationReport {
  run: MigrationRun;
  /** Objects written to the target by this run (the rest were already there, identical). */
  copied: number;
  verified: number;
  bytes: number;
  switched: boolean;
}

export interface MigrationOptions {
  /** Objects copied at once. */
  concurrency?: number;
  onProgress?: (progress: Progress) => void;
  /** Messages for the operator. */
  log?: (line: string) => void;
  now?: () => number;
}

function migrationError(code: string, message: string): LeapError {
  return new LeapError(`STORAGE.MIGRATION_${code}`, message, { retryable: false });
}

/** The prefix of a scope: the whole store, or one user's folder. */
export function prefixOf(scope: Scope): string {
  return scope === WHOLE_STORE ? '' : `users/${scope}/`;
}

/** SHA-256 and size of a stream, counting bytes as they pass. */
async function digest(stream: Readable, onBytes: (n: number) => void): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    stream,
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        onBytes(chunk.length);
        done();
      },
    }),
  );
  return { sha256: hash.digest('hex'), size };
}

/**
 * Moves the store (or one tenant's folder) from one backend to the other, as `storage:migrate`
 * runs it:
 *
 * 1. Plan: every object under the scope at the source, with its size and SHA-256, is a row of the
 *    run (`backend_migration_objects`), pending.
 * 2. Copy each pending object to the same key at the target (skipped when the target already has
 *    it with that checksum) and mark it copied; then read it back from the target, hash it, and
 *    mark it verified only when the SHA-256 and size match. A mismatch copies it again.
 * 3. Plan again: objects written at the source meanwhile join the run; repeat until a pass finds
 *    nothing new.
 * 4. Switch the scope's backend in one transaction that first checks every object is verified.
 *
 * Every step is recorded as it completes, so a run that is killed resumes with what is left: a
 * verified object is never copied again, a copied one is only verified. The source is never
 * changed, which is what makes a rollback lose nothing.
 */
export class BackendMigrationService {
  constructor(
    private readonly repository: BackendMigrationRepository,
    private readonly stores: Record<Backend, () => ObjectStore>,
    /** The backend the services run on when no migration has recorded one (STORAGE_BACKEND). */
    private readonly configuredBackend: Backend,
  ) {}

  /** The backend holding the scope now. */
  async currentBackend(scope: Scope): Promise<Backend> {
    return (await this.repository.backendOf(scope))?.backend ?? this.configuredBackend;
  }

  /** Migrates the scope to `to`, resuming a run that was interrupted. */
  async migrate(scope: Scope, to: Backend, options: MigrationOptions = {}): Promise<MigrationReport | undefined> {
    const open = await this.repository.openRun(scope);
    if (open && open.toBackend !== to) {
      throw migrationError('IN_PROGRESS', `A migration of ${scope} to ${open.toBackend} is not finished; run it again with --to ${open.toBackend} (or --rollback) first`);
    }
    if (open) {
      options.log?.(`resuming the migration of ${scopeName(scope)} from ${open.fromBackend} to ${open.toBackend} (${open.id})`);
      return this.run(open, options);
    }
    const from = await this.currentBackend(scope);
    if (from === to) {
      options.log?.(`${scopeName(scope)} is on ${to} already: nothing to do`);
      return undefined;
    }
    const run = await this.repository.createRun(scope, from, to, null);
    options.log?.(`migrating ${scopeName(scope)} from ${from} to ${to} (${run.id})`);
    return this.run(run, options);
  }

  /**
   * Returns the scope to the backend it had before its last switch: objects written to the current
   * backend since then (new or changed) are copied back and verified, then the scope switches back.
   * Nothing is deleted on either side.
   */
  async rollback(scope: Scope, options: MigrationOptions = {}): Promise<MigrationReport> {
    const open = await this.repository.openRun(scope);
    if (open?.rollbackOf) {
      options.log?.(`resuming the rollback of ${scopeName(scope)} to ${open.toBackend} (${open.id})`);
      return this.run(open, options);
    }
    if (open) {
      // An unfinished migration switched nothing: the scope is still on the original backend.
      throw migrationError('IN_PROGRESS', `The migration of ${scopeName(scope)} to ${open.toBackend} never switched; ${scopeName(scope)} is on ${open.fromBackend} still`);
    }
    const current = await this.repository.backendOf(scope);
    if (!current || current.scope !== scope || !current.previousBackend) {
      throw migrationError('NOTHING_TO_ROLL_BACK', `${scopeName(scope)} was never switched by a migration`);
    }
    const run = await this.repository.createRun(scope, current.backend, current.previousBackend, current.migrationId);
    options.log?.(`rolling ${scopeName(scope)} back from ${current.backend} to ${current.previousBackend} (${run.id})`);
    return this.run(run, options);
  }

  private async run(run: MigrationRun, options: MigrationOptions): Promise<MigrationReport> {
    const source = this.stores[run.fromBackend]();
    const target = this.stores[run.toBackend]();
    const now = options.now ?? Date.now;
    const startedAt = now();
    const report: MigrationReport = { run, copied: 0, verified: 0, bytes: 0, switched: false };
    let bytesMoved = 0;
    for (;;) {
      await this.plan(run, source);
      const objects = await this.repository.objects(run.id);
      const progress = (): Progress => {
        const done = objects.filter((o) => o.state === 'verified');
        return {
          objectsDone: done.length,
          objectsTotal: objects.length,
          bytesDone: done.reduce((n, o) => n + o.sizeBytes, 0),
          bytesTotal: objects.reduce((n, o) => n + o.sizeBytes, 0),
          bytesMoved,
          startedAt,
          now: now(),
        };
      };
      options.onProgress?.(progress());
      const queue = objects.filter((o) => o.state !== 'verified');
      if (queue.length === 0) break;
      const worker = async () => {
        for (let object = queue.shift(); object; object = queue.shift()) {
          await this.move(run, object, source, target, report, (n) => {
            bytesMoved += n;
          });
          options.onProgress?.(progress());
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
    }
    report.bytes = (await this.repository.objects(run.id)).reduce((n, o) => n + o.sizeBytes, 0);
    report.switched = await this.repository.switchWhenVerified(run);
    if (!report.switched) throw migrationError('NOT_VERIFIED', `Some objects of ${scopeName(run.scope)} are not verified; run the migration again`);
    return report;
  }

  /** Every object under the scope at the source joins the run with its size and checksum. */
  private async plan(run: MigrationRun, source: ObjectStore): Promise<void> {
    const listed = await source.list(prefixOf(run.scope));
    const known = new Map((await this.repository.objects(run.id)).map((o) => [o.key, o]));
    const planned: { key: string; sizeBytes: number; checksumSha256: string }[] = [];
    for (const info of listed) {
      const head = await source.head(info.key);
      if (!head) continue; // deleted since the listing
      const checksum = head.checksumSha256 ?? (await digest(await source.get(info.key), () => undefined)).sha256;
      const row = known.get(info.key);
      if (!row || row.checksumSha256 !== checksum || row.sizeBytes !== head.sizeBytes) planned.push({ key: info.key, sizeBytes: head.sizeBytes, checksumSha256: checksum });
    }
    if (planned.length > 0) await this.repository.plan(run.id, planned);
  }

  private async move(run: MigrationRun, object: MigrationObject, source: ObjectStore, target: ObjectStore, report: MigrationReport, onBytes: (n: number) => void): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (object.state === 'pending') {
        const there = await target.head(object.key);
        if (!there || there.checksumSha256 !== object.checksumSha256 || there.sizeBytes !== object.sizeBytes) {
          const info = await source.head(object.key);
          let body: Readable;
          try {
            if (!info) throw new ObjectNotFoundError(object.key);
            body = await source.get(object.key);
          } catch (error) {
            if (!(error instanceof ObjectNotFoundError)) throw error;
            // Deleted at the source since it was planned: nothing to move.
            await this.repository.forget(run.id, object.key);
            object.state = 'verified';
            return;
          }
          const written = await target.put(object.key, body, { contentType: info.contentType });
          onBytes(written.sizeBytes);
          report.copied += 1;
          await this.repository.mark(run.id, object.key, 'copied', true);
        } else await this.repository.mark(run.id, object.key, 'copied');
        object.state = 'copied';
      }
      // Verified by reading it back, not by what the write reported.
      const read = await digest(await target.get(object.key), onBytes);
      if (read.sha256 === object.checksumSha256 && read.size === object.sizeBytes) {
        await this.repository.mark(run.id, object.key, 'verified');
        object.state = 'verified';
        report.verified += 1;
        return;
      }
      if (attempt >= 3) throw migrationError('CHECKSUM_MISMATCH', `${object.key} at ${run.toBackend} does not match its source after ${attempt} copies`);
      await this.repository.mark(run.id, object.key, 'pending');
      object.state = 'pending';
    }
  }
}

function scopeName(scope: Scope): string {
  return scope === WHOLE_STORE ? 'the whole store' : `tenant ${scope}`;
}
