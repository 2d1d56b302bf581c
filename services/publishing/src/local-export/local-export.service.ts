import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import { ObjectKind, type ObjectRef, type SubtitleTranslation } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { OBJECT_STORE, SERVICE_CONFIG } from '@leap/platform';
import { checksumMeter, ObjectNotFoundError, parseRecordingKey, storageKeys, type ObjectStore } from '@leap/storage-client';
import type { PublishingConfig } from '../config/config.schema';

export interface ExportRequest {
  userId: string;
  recordingId: string;
  targetId: string;
  objects: ObjectRef[];
  /** Subtitles in other languages: `subtitles.<lang>.srt` and `.vtt` beside the video. */
  translations?: SubtitleTranslation[];
  variables?: Record<string, string>;
  /** The title and description rendered from the preset (or the default templates). */
  rendered?: { title: string; description: string };
}

export interface ExportedFile {
  /** File name inside the export folder, e.g. `video.mp4`. */
  name: string;
  /** `VIDEO`, `SUBTITLES_SRT`, ... */
  kind: string;
  contentType?: string;
  sizeBytes: number;
  checksumSha256: string;
}

/** What `metadata.json` of an export holds. */
export interface ExportMetadata {
  recordingId: string;
  userId: string;
  targetId: string;
  title?: string;
  description?: string;
  variables: Record<string, string>;
  files: ExportedFile[];
  exportedAt: string;
}

export interface LocalExport {
  /** Absolute path of the export folder. */
  location: string;
  metadata: ExportMetadata;
}

const EXTENSION = /^[a-z0-9]{1,8}$/;

/** The file name an object gets in an export, from its kind (and the extension of its key). */
export function exportFileName(object: ObjectRef): string {
  const last = object.key.slice(object.key.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  const candidate = dot > 0 ? last.slice(dot + 1).toLowerCase() : '';
  const ext = EXTENSION.test(candidate) ? candidate : 'bin';
  switch (object.kind) {
    case ObjectKind.SOURCE:
      return `source.${ext}`;
    case ObjectKind.VIDEO:
      return `video.${ext}`;
    case ObjectKind.AUDIO:
      return `audio.${ext}`;
    case ObjectKind.POSTER:
      return `poster.${ext}`;
    case ObjectKind.THUMBNAIL:
      return `thumbnail.${ext}`;
    case ObjectKind.TRANSCRIPT:
      return 'transcript.json';
    case ObjectKind.TOPICS:
      return 'topics.json';
    case ObjectKind.SUBTITLES_SRT:
      return 'subtitles.srt';
    case ObjectKind.SUBTITLES_VTT:
      return 'subtitles.vtt';
    default:
      throw invalid(`Object ${object.key} has no kind to name it by`);
  }
}

const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;

/** The files of the subtitles translated into other languages, named `subtitles.<lang>.srt` / `.vtt`. */
export function translatedFiles(translations: readonly SubtitleTranslation[]): Array<{ name: string; object: ObjectRef }> {
  const files: Array<{ name: string; object: ObjectRef }> = [];
  for (const t of translations) {
    if (!LANGUAGE.test(t.language)) throw invalid(`${t.language} is not a language code for subtitles`);
    if (t.srt) files.push({ name: `subtitles.${t.language}.srt`, object: t.srt });
    if (t.vtt) files.push({ name: `subtitles.${t.language}.vtt`, object: t.vtt });
  }
  return files;
}

function invalid(message: string): LeapError {
  return new LeapError('PUBLISHING.INVALID_REQUEST', message, { retryable: false, status: 400 });
}

/**
 * The local export target: `<EXPORT_ROOT>/<userId>/<recordingId>/` with every object passed,
 * named by its kind, and a `metadata.json`. The folder is built under a temporary name next to
 * it and renamed into place, so a half-written export is never visible; exporting again replaces
 * the folder as a whole.
 */
@Injectable()
export class LocalExportService {
  private readonly root: string;

  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(SERVICE_CONFIG) config: Pick<PublishingConfig, 'EXPORT_ROOT'>,
  ) {
    this.root = resolve(config.EXPORT_ROOT);
  }

  /** The folder an export of this recording goes to. */
  folderOf(userId: string, recordingId: string): string {
    try {
      storageKeys.recordingPrefix(userId, recordingId);
    } catch (error) {
      throw invalid((error as Error).message);
    }
    return join(this.root, userId, recordingId);
  }

  /** Removes a recording's export (its recording was deleted); nothing to do when there is none. */
  async remove(userId: string, recordingId: string): Promise<boolean> {
    const location = this.folderOf(userId, recordingId);
    const existed = await exists(location);
    await rm(location, { recursive: true, force: true });
    return existed;
  }

  /**
   * Copies the objects into a fresh folder and swaps it in. `signal` stops it between and during
   * copies (nothing of it is left); `onProgress` gets the share of bytes copied and the file.
   */
  async export(request: ExportRequest, options: { signal?: AbortSignal; onProgress?: (fraction: number, step: string) => void } = {}): Promise<LocalExport> {
    const { userId, recordingId } = request;
    const location = this.folderOf(userId, recordingId);
    if (request.objects.length === 0) throw invalid('Nothing to export: the command carries no objects');
    const names = new Map<string, ObjectRef>();
    const named = [...request.objects.map((object) => ({ name: exportFileName(object), object })), ...translatedFiles(request.translations ?? [])];
    for (const { name, object } of named) {
      const owner = parseRecordingKey(object.key);
      if (!owner || owner.userId !== userId || owner.recordingId !== recordingId) {
        throw invalid(`Object ${object.key} does not belong to recording ${recordingId} of user ${userId}`);
      }
      if (names.has(name)) throw invalid(`Two objects would be exported as ${name}: ${names.get(name)!.key} and ${object.key}`);
      names.set(name, object);
    }

    const parent = join(this.root, userId);
    await mkdir(parent, { recursive: true });
    const suffix = randomBytes(6).toString('hex');
    const temp = join(parent, `.${recordingId}.${suffix}.partial`);
    const previous = join(parent, `.${recordingId}.${suffix}.previous`);
    try {
      await mkdir(temp);
      const files: ExportedFile[] = [];
      const total = [...names.values()].reduce((sum, o) => sum + Math.max(0, Number(o.sizeBytes) || 0), 0);
      let copied = 0;
      for (const [name, object] of names) {
        options.signal?.throwIfAborted();
        const step = `copying ${name}`;
        const before = copied;
        options.onProgress?.(total > 0 ? before / total : files.length / names.size, step);
        files.push(await this.copy(object, join(temp, name), name, options.signal, (bytes) => total > 0 && options.onProgress?.(Math.min(1, (before + bytes) / total), step)));
        copied += Math.max(0, Number(object.sizeBytes) || 0);
      }
      options.signal?.throwIfAborted();
      const variables = { ...(request.variables ?? {}) };
      const metadata: ExportMetadata = {
        recordingId,
        userId,
        targetId: request.targetId,
        ...(request.rendered ? { title: request.rendered.title, description: request.rendered.description } : variables.title ? { title: variables.title } : {}),
        variables,
        files,
        exportedAt: new Date().toISOString(),
      };
      await writeFile(join(temp, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
      if (await exists(location)) await rename(location, previous);
      await rename(temp, location);
      return { location, metadata };
    } finally {
      await rm(temp, { recursive: true, force: true });
      await rm(previous, { recursive: true, force: true });
    }
  }

  /** Copies one object into the export, checking it is the object the command describes; `signal` stops it mid-file. */
  private async copy(object: ObjectRef, path: string, name: string, signal?: AbortSignal, onBytes?: (bytes: number) => void): Promise<ExportedFile> {
    const meter = checksumMeter(onBytes);
    try {
      await pipeline(await this.store.get(object.key), meter.stream, createWriteStream(path), { signal });
    } catch (error) {
      if (error instanceof ObjectNotFoundError) {
        throw new LeapError('PUBLISHING.OBJECT_NOT_FOUND', `Object ${object.key} is not in storage`, { retryable: false, status: 404 });
      }
      throw error;
    }
    const checksum = meter.checksum();
    const size = meter.size();
    if (String(size) !== String(object.sizeBytes) || (object.checksumSha256 && object.checksumSha256.toLowerCase() !== checksum)) {
      throw new LeapError(
        'PUBLISHING.OBJECT_CHANGED',
        `Object ${object.key} in storage (${size} bytes, sha256 ${checksum}) is not the one to publish (${object.sizeBytes} bytes, sha256 ${object.checksumSha256 ?? 'unknown'})`,
        { retryable: false, status: 409 },
      );
    }
    return {
      name,
      kind: String(object.kind).replace(/^OBJECT_KIND_/, ''),
      ...(object.contentType ? { contentType: object.contentType } : {}),
      sizeBytes: size,
      checksumSha256: checksum,
    };
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
