import { z } from 'zod';
import { DownloadMethod, type DownloadRecording } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { filePattern, type DiskResource, type YandexAccount, type YandexDiskClient } from '@leap/yandex-disk';
import { yandexDiskKeys } from './yandex-disk-keys';

/**
 * A Yandex Disk source's config (the reference's, camel-cased): a folder of the connected
 * account (`folderPath`, needs an OAuth credential) or a public link (`publicUrl`, a file or a
 * folder, no credential), with `recursive` and a `filePattern` (a regular expression on file
 * names; without one, video and audio files are taken).
 */
export const yandexDiskSourceConfigSchema = z
  .object({
    folderPath: z.string().trim().min(1).max(1000).optional(),
    publicUrl: z.string().trim().min(1).max(2000).optional(),
    recursive: z.boolean().default(false),
    filePattern: z.string().max(500).optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (!config.folderPath === !config.publicUrl) ctx.addIssue({ code: 'custom', path: ['folderPath'], message: 'give either folderPath (with a credential) or publicUrl' });
    if (config.filePattern !== undefined) {
      try {
        filePattern(config.filePattern);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['filePattern'], message: (error as Error).message });
      }
    }
  });

export type YandexDiskSourceConfig = z.output<typeof yandexDiskSourceConfigSchema>;

/** The config checked, with defaults; anything else is 422 `SOURCE.INVALID_CONFIG` naming each field. */
export function parseYandexDiskSourceConfig(raw: unknown): YandexDiskSourceConfig {
  const parsed = yandexDiskSourceConfigSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `config.${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new LeapError('SOURCE.INVALID_CONFIG', problems.join('; '), { status: 422, details: { problems } });
}

/** One file a sync found: how it is keyed, when it was recorded, and where its bytes are. */
export interface YandexDiskItem {
  /** The most stable key (`yadisk:rid:…`, else `yadisk:md5:…`, else the path's). */
  key: string;
  /** Every key it is known by, most stable first (a sync matches any of them). */
  keys: string[];
  name: string;
  /** The name without its extension: the recording's title. */
  title: string;
  /** `disk:/…` for a folder of the account; the path inside the shared folder for a public link. */
  path: string;
  /** The file's modified time: the recording's start time. */
  startTime: string;
  sizeBytes?: number;
  mimeType?: string;
  md5?: string;
  sha256?: string;
  /** What `download` needs to fetch a fresh href (no secret in it). */
  locator: { path: string; publicUrl?: string };
}

export interface ListWindow {
  /** Only files modified at or after this instant. */
  from?: Date;
  /** Only files modified before this instant. */
  to?: Date;
  signal?: AbortSignal;
}

const MEDIA = /^(video|audio)\//;

/**
 * Yandex Disk as an input source: lists what a source config names (the account's folder with
 * its token, or a public link without one), keeps the files its pattern takes (or its media
 * files) modified within the sync's window, and makes each an item with rename-stable keys and
 * its start time. `download` answers what the DOWNLOAD job fetches: a fresh href (Yandex's
 * short-lived link, which serves ranges and needs no token) with the size the listing gave.
 */
export class YandexDiskSource {
  constructor(private readonly client: YandexDiskClient) {}

  /** Whether the config needs an OAuth credential (a folder) or none (a public link). */
  static needsCredential(config: YandexDiskSourceConfig): boolean {
    return Boolean(config.folderPath);
  }

  async list(config: YandexDiskSourceConfig, account: YandexAccount | undefined, window: ListWindow = {}): Promise<YandexDiskItem[]> {
    const options = { recursive: config.recursive, pattern: config.filePattern, signal: window.signal };
    let files: DiskResource[];
    let publicKey: string | undefined;
    if (config.folderPath) {
      if (!account) throw new LeapError('SOURCE.CREDENTIAL_REQUIRED', 'A Yandex Disk folder source needs a connected Yandex Disk credential', { status: 422 });
      files = await this.client.list(account, config.folderPath, options);
    } else {
      publicKey = publicKeyOf(config.publicUrl!);
      files = await this.client.listPublic(config.publicUrl!, options);
    }
    return files
      .filter((f) => config.filePattern !== undefined || MEDIA.test(f.mimeType ?? ''))
      .filter((f) => inWindow(f.modified, window))
      .map((f) => item(f, publicKey ? config.publicUrl : undefined, publicKey));
  }

  /**
   * One page of a folder of the account, for a picker choosing a source's `folderPath`
   * (`GET /api/v1/credentials/{id}/yandex-disk/browse`): folders and files with their paths.
   */
  async browse(account: YandexAccount, path: string, page: { limit?: number; offset?: number; signal?: AbortSignal } = {}): Promise<{ path: string; total: number; items: Array<Pick<DiskResource, 'type' | 'name' | 'path' | 'size' | 'modified' | 'mimeType'>> }> {
    const found = await this.client.browse(account, path, page);
    return {
      path: found.folder.path,
      total: found.total,
      items: found.items.map(({ type, name, path: itemPath, size, modified, mimeType }) => ({
        type,
        name,
        path: itemPath,
        ...(size !== undefined ? { size } : {}),
        ...(modified ? { modified } : {}),
        ...(mimeType ? { mimeType } : {}),
      })),
    };
  }

  /** The DOWNLOAD command's source fields for an item, with an href asked for now (hrefs expire within hours). */
  async download(item: YandexDiskItem, account: YandexAccount | undefined, signal?: AbortSignal): Promise<Pick<DownloadRecording, 'url' | 'method' | 'expectedSizeBytes'>> {
    const url = await this.hrefOf(item.locator, account, signal);
    return { url, method: DownloadMethod.HTTP, ...(item.sizeBytes !== undefined ? { expectedSizeBytes: String(item.sizeBytes) } : {}) };
  }

  /** A fresh href to the bytes of the file a locator names (the DOWNLOAD job asks for it when it runs). */
  async hrefOf(locator: YandexDiskItem['locator'], account: YandexAccount | undefined, signal?: AbortSignal): Promise<string> {
    if (locator.publicUrl !== undefined) return this.client.publicDownloadHref(locator.publicUrl, locator.path, signal);
    if (!account) throw new LeapError('SOURCE.CREDENTIAL_REQUIRED', 'A file of a Yandex Disk folder needs its credential to download', { status: 422 });
    return this.client.downloadHref(account, locator.path, signal);
  }
}

function item(f: DiskResource, publicUrl: string | undefined, publicKey: string | undefined): YandexDiskItem {
  const { key, keys } = yandexDiskKeys(f, publicKey);
  const dot = f.name.lastIndexOf('.');
  return {
    key,
    keys,
    name: f.name,
    title: dot > 0 ? f.name.slice(0, dot) : f.name,
    path: f.path,
    startTime: new Date(f.modified ?? f.created ?? Date.now()).toISOString(),
    ...(f.size !== undefined ? { sizeBytes: f.size } : {}),
    ...(f.mimeType ? { mimeType: f.mimeType } : {}),
    ...(f.md5 ? { md5: f.md5 } : {}),
    ...(f.sha256 ? { sha256: f.sha256 } : {}),
    locator: publicUrl ? { path: f.path, publicUrl } : { path: f.path },
  };
}

function inWindow(modified: string | undefined, window: ListWindow): boolean {
  if (!window.from && !window.to) return true;
  const at = modified ? Date.parse(modified) : NaN;
  if (!Number.isFinite(at)) return false;
  return (!window.from || at >= window.from.getTime()) && (!window.to || at < window.to.getTime());
}

/** The key a public link's keys use: the last segment of `https://disk.yandex.ru/d/<key>`, or the key itself. */
function publicKeyOf(publicUrl: string): string {
  if (!/^https?:\/\//i.test(publicUrl)) return publicUrl;
  try {
    const segments = new URL(publicUrl).pathname.split('/').filter(Boolean);
    return segments.at(-1) ?? publicUrl;
  } catch {
    return publicUrl;
  }
}
