import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { LeapError } from '@leap/errors';
import { OBJECT_STORE } from '@leap/platform';
import { checkPathSegment, ObjectNotFoundError, storageKeys, type ObjectInfo, type ObjectStore } from '@leap/storage-client';
import { registerProblemTitles, validationError } from '../common/problem-details';
import { probeImage } from './image-probe';
import type { SmallUpload } from './thumbnail-form';

registerProblemTitles({
  'THUMBNAIL.NOT_FOUND': 'Thumbnail not found',
  'THUMBNAIL.EXISTS': 'A thumbnail of this name exists',
  'THUMBNAIL.INVALID_NAME': 'Not a thumbnail name',
  'THUMBNAIL.UNSUPPORTED_TYPE': 'Not a PNG or JPEG image',
  'THUMBNAIL.EXTENSION_MISMATCH': 'The image is not of the type its name says',
  'THUMBNAIL.TOO_LARGE': 'Thumbnail too large',
});

/** At most 2 MB, as the reference and YouTube allow. */
export const THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024;
/** A name without its extension: letters, digits, `-` and `_`, starting with a letter or digit, at most 100 characters. */
const BASE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const NAME = /^([A-Za-z0-9][A-Za-z0-9_-]{0,99})\.(png|jpg|jpeg)$/;
const EXTENSIONS = new Set(['png', 'jpg', 'jpeg']);
const CONTENT_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg' };

export interface ThumbnailView {
  name: string;
  /** Where the bytes are: `GET /api/v1/thumbnails/{name}`. */
  url: string;
  /** A shared library image the user has no copy of (the fallback). */
  isTemplate: boolean;
  sizeBytes: number;
  contentType: string;
  modifiedAt: string;
}

export interface ThumbnailFile {
  body: Readable;
  contentType: string;
  sizeBytes: number;
  name: string;
}

function notFound(name: string): LeapError {
  return new LeapError('THUMBNAIL.NOT_FOUND', `No thumbnail ${JSON.stringify(name)}`, { status: 404 });
}

function invalidName(field: string, message: string): LeapError {
  return new LeapError('THUMBNAIL.INVALID_NAME', `${field} ${message}`, { status: 400, details: { errors: [{ field, message }] } });
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
}

function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** `name` as a thumbnail name (`<base>.<png|jpg|jpeg>`), after the traversal checks every name gets. */
function checkName(field: string, name: string): string {
  checkPathSegment(field, name);
  if (!NAME.test(name)) throw invalidName(field, 'must be a name of letters, digits, - and _ (at most 100) with the extension .png, .jpg or .jpeg');
  return name;
}

function view(info: ObjectInfo, name: string, isTemplate: boolean): ThumbnailView {
  return {
    name,
    url: `/api/v1/thumbnails/${encodeURIComponent(name)}`,
    isTemplate,
    sizeBytes: info.sizeBytes,
    contentType: CONTENT_TYPES[extensionOf(name)] ?? 'application/octet-stream',
    modifiedAt: info.modifiedAt.toISOString(),
  };
}

/**
 * The thumbnails library: each user's images under `users/<userId>/thumbnails/` (the shared
 * library's images are copied there when the account is created), with a fallback to the shared
 * library `shared/thumbnails/` for a name the user has no copy of. Uploads are PNG or JPEG of at
 * most 2 MB, recognised by their content (signature and a header that gives the dimensions), never
 * by the name alone. Only the user's copies can be replaced or deleted.
 */
@Injectable()
export class ThumbnailsService {
  constructor(@Inject(OBJECT_STORE) private readonly store: ObjectStore) {}

  /** The user's thumbnails, then the shared ones the user has no copy of; each by name. */
  async list(userId: string): Promise<{ thumbnails: ThumbnailView[] }> {
    const prefix = `users/${userId}/thumbnails/`;
    const own = (await this.store.list(prefix)).map((info) => view(info, info.key.slice(prefix.length), false));
    const names = new Set(own.map((t) => t.name));
    const shared = (await this.store.list('shared/thumbnails/'))
      .map((info) => view(info, info.key.slice('shared/thumbnails/'.length), true))
      .filter((t) => !names.has(t.name) && NAME.test(t.name));
    return { thumbnails: [...own.filter((t) => NAME.test(t.name)), ...shared] };
  }

  /** A new thumbnail; 409 when the user has one of that name (PUT replaces). */
  async create(userId: string, upload: SmallUpload): Promise<{ message: string; thumbnail: ThumbnailView }> {
    const format = this.checkImage(upload);
    const base = upload.fields.custom_filename !== undefined ? this.customBase(upload.fields.custom_filename) : this.baseFromFile(upload.filename);
    const ext = format === 'png' ? 'png' : extensionOf(upload.filename) === 'jpeg' ? 'jpeg' : 'jpg';
    const name = `${base}.${ext}`;
    const key = storageKeys.userThumbnail(userId, name);
    if (await this.store.exists(key)) {
      throw new LeapError('THUMBNAIL.EXISTS', `You have a thumbnail ${JSON.stringify(name)}; replace it with PUT /api/v1/thumbnails/${name}`, {
        status: 409,
        details: { name },
      });
    }
    return { message: 'Thumbnail created', thumbnail: await this.write(key, name, upload.bytes) };
  }

  /** Writes the user's thumbnail of this name, whether or not there was one: `created` says which. */
  async replace(userId: string, name: string, upload: SmallUpload): Promise<{ created: boolean; answer: { message: string; thumbnail: ThumbnailView } }> {
    checkName('path.name', name);
    const format = this.checkImage(upload);
    const wanted = extensionOf(name) === 'png' ? 'png' : 'jpeg';
    if (format !== wanted) {
      throw new LeapError('THUMBNAIL.EXTENSION_MISMATCH', `${name} names a ${wanted === 'png' ? 'PNG' : 'JPEG'} image; the file sent is a ${format === 'png' ? 'PNG' : 'JPEG'}`, {
        status: 400,
        details: { errors: [{ field: 'file', message: `must be a ${wanted === 'png' ? 'PNG' : 'JPEG'} image, as the name says` }] },
      });
    }
    const key = storageKeys.userThumbnail(userId, name);
    const created = !(await this.store.exists(key));
    const thumbnail = await this.write(key, name, upload.bytes);
    return { created, answer: { message: created ? 'Thumbnail created' : 'Thumbnail replaced', thumbnail } };
  }

  /** The bytes of the user's copy, else (with `useTemplate`) of the shared one. */
  async open(userId: string, name: string, useTemplate: boolean): Promise<ThumbnailFile> {
    checkName('path.name', name);
    const keys = [storageKeys.userThumbnail(userId, name), ...(useTemplate ? [storageKeys.sharedThumbnail(name)] : [])];
    for (const key of keys) {
      const info = await this.store.head(key);
      if (!info) continue;
      try {
        return { body: await this.store.get(key), contentType: CONTENT_TYPES[extensionOf(name)]!, sizeBytes: info.sizeBytes, name };
      } catch (error) {
        if (!(error instanceof ObjectNotFoundError)) throw error;
      }
    }
    throw notFound(name);
  }

  /** Deletes the user's copy; the shared library is never touched (404 when the user has no copy). */
  async delete(userId: string, name: string): Promise<void> {
    checkName('path.name', name);
    if (!(await this.store.delete(storageKeys.userThumbnail(userId, name)))) throw notFound(name);
  }

  private async write(key: string, name: string, bytes: Buffer): Promise<ThumbnailView> {
    const contentType = CONTENT_TYPES[extensionOf(name)]!;
    await this.store.put(key, bytes, { contentType });
    const info = await this.store.head(key);
    return view(info ?? { key, sizeBytes: bytes.length, modifiedAt: new Date() }, name, false);
  }

  /** The file name's extension and the content must both say PNG or JPEG; answers which. */
  private checkImage(upload: SmallUpload): 'png' | 'jpeg' {
    if (upload.filename) checkPathSegment('file', upload.filename);
    const ext = extensionOf(upload.filename);
    if (!EXTENSIONS.has(ext)) {
      throw new LeapError('THUMBNAIL.UNSUPPORTED_TYPE', `"${upload.filename}" is not a .png, .jpg or .jpeg file`, { status: 415 });
    }
    if (upload.bytes.length > THUMBNAIL_MAX_BYTES) {
      throw new LeapError('THUMBNAIL.TOO_LARGE', `A thumbnail may have at most ${THUMBNAIL_MAX_BYTES} bytes (2 MB)`, { status: 413, details: { maxBytes: THUMBNAIL_MAX_BYTES } });
    }
    const probe = probeImage(upload.bytes);
    if (!probe) throw new LeapError('THUMBNAIL.UNSUPPORTED_TYPE', `"${upload.filename}" is not a readable PNG or JPEG image`, { status: 415 });
    if ((probe.format === 'png') !== (ext === 'png')) {
      throw new LeapError('THUMBNAIL.UNSUPPORTED_TYPE', `"${upload.filename}" is a ${probe.format === 'png' ? 'PNG' : 'JPEG'} image under another extension`, { status: 415 });
    }
    return probe.format;
  }

  /** `custom_filename`, strictly: its stem must already be a valid name. */
  private customBase(value: string): string {
    checkPathSegment('custom_filename', value);
    const base = stemOf(value.trim());
    if (!BASE.test(base)) throw invalidName('custom_filename', 'must be 1 to 100 letters, digits, - or _, starting with a letter or digit');
    return base;
  }

  /** A name made from the uploaded file's name: other characters become `_`. */
  private baseFromFile(filename: string): string {
    if (!filename) throw validationError([{ field: 'file', message: 'must have a file name, or send custom_filename' }]);
    const base = stemOf(filename.trim())
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .replace(/^[_-]+|[_-]+$/g, '')
      .slice(0, 100);
    if (!BASE.test(base)) throw invalidName('file', 'has no letter or digit to name the thumbnail by; send custom_filename');
    return base;
  }
}
