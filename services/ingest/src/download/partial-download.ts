import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What a partial download was fetched from: a resume must come from the same representation. */
export interface PartialMeta {
  url: string;
  /** `ETag` or `Last-Modified` of the first answer, sent back as `If-Range`. */
  validator?: string;
  /** The full size, when the source said. */
  totalBytes?: number;
}

/**
 * The bytes an interrupted download had already fetched, kept outside storage (storage holds only
 * complete objects) in `INGEST_DOWNLOAD_DIR`, one file per recording: `<hash>.part` and its
 * `<hash>.json`. A later attempt (after a dropped connection, a killed worker or a pause)
 * continues from its end with a Range request. Files nobody came back for are swept after
 * `INGEST_DOWNLOAD_PARTIAL_TTL`.
 */
export class PartialDownloads {
  private lastSweepAt = 0;

  constructor(
    private readonly dir: string,
    private readonly ttlMs: number,
  ) {}

  paths(recordingId: string): { data: string; meta: string } {
    const name = createHash('sha256').update(recordingId).digest('hex').slice(0, 32);
    return { data: join(this.dir, `${name}.part`), meta: join(this.dir, `${name}.json`) };
  }

  /** The bytes already on disk for this recording and URL (0 and no meta when there are none, or they were for another URL). */
  async open(recordingId: string, url: string): Promise<{ bytes: number; meta?: PartialMeta }> {
    await mkdir(this.dir, { recursive: true });
    // Downloads start often enough to carry the sweep: at most once an hour, never in the way.
    if (Date.now() - this.lastSweepAt > 3_600_000) {
      this.lastSweepAt = Date.now();
      void this.sweep().catch(() => undefined);
    }
    const { data, meta } = this.paths(recordingId);
    try {
      const saved = JSON.parse(await readFile(meta, 'utf8')) as PartialMeta;
      const { size } = await stat(data);
      if (saved.url === url) return { bytes: size, meta: saved };
    } catch {
      // Nothing usable: start over.
    }
    await this.remove(recordingId);
    return { bytes: 0 };
  }

  async saveMeta(recordingId: string, meta: PartialMeta): Promise<void> {
    await writeFile(this.paths(recordingId).meta, JSON.stringify(meta));
  }

  /** `saveMeta` for the moment between an answer's headers and its body, where nothing may wait. */
  saveMetaSync(recordingId: string, meta: PartialMeta): void {
    writeFileSync(this.paths(recordingId).meta, JSON.stringify(meta));
  }

  async remove(recordingId: string): Promise<void> {
    const { data, meta } = this.paths(recordingId);
    await Promise.all([rm(data, { force: true }), rm(meta, { force: true })]);
  }

  /** Removes partial downloads untouched for longer than the TTL. */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    for (const name of names) {
      const path = join(this.dir, name);
      try {
        if (now - (await stat(path)).mtimeMs > this.ttlMs) {
          await rm(path, { force: true });
          removed += 1;
        }
      } catch {
        // Gone already.
      }
    }
    return removed;
  }
}
