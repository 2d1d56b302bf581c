import { LeapError } from '@leap/errors';
import type { SourceAdapter, SourceItem, SourceToList, SyncWindow } from '../source-adapter';
import type { YandexDiskAccounts } from './yandex-disk-accounts';
import { parseYandexDiskSourceConfig, YandexDiskSource, type YandexDiskItem } from './yandex-disk.source';

/** Where a Yandex Disk item's bytes are, kept with its recording's source (no secret): the DOWNLOAD job asks for a fresh href with it. */
export interface YandexDiskLocator {
  path: string;
  publicUrl?: string;
}

/**
 * A YANDEX_DISK source: a folder of the connected account (`folderPath`, with the source's
 * credential; recursive and a `filePattern` as configured) or a public link (`publicUrl`, no
 * credential, listed like a VIDEO_URL). Each file is keyed by its most stable key (resource id,
 * then md5 and size, then path) with the others as alternates, so a renamed file stays one
 * recording; its modified time is its start time and decides the sync window. The download is
 * an HTTP one whose URL names the file (`disk:/…`, or the public link with its `path`): the
 * DOWNLOAD job asks Yandex for a fresh href when it runs, with the credential's token it looks
 * up itself, so no token (and no expiring href) is kept or sent.
 */
export class YandexDiskAdapter implements SourceAdapter {
  readonly platform = 'YANDEX_DISK';

  constructor(
    private readonly disk: YandexDiskSource,
    private readonly accounts: YandexDiskAccounts,
  ) {}

  async list(source: SourceToList, window: SyncWindow, signal: AbortSignal): Promise<SourceItem[]> {
    const { autoRun: _autoRun, ...raw } = source.config;
    const config = parseYandexDiskSourceConfig(raw);
    const listWindow = { from: window.from, to: window.until, signal };
    if (!YandexDiskSource.needsCredential(config)) return (await this.disk.list(config, undefined, listWindow)).map((item) => toSourceItem(item, null));
    if (!source.credentialId) throw new LeapError('SOURCE.CREDENTIAL_REQUIRED', 'A Yandex Disk folder source needs a yandex_disk credential', { status: 422, retryable: false });
    const credential = await this.accounts.credential(source.userId, source.credentialId);
    const items = await this.accounts.use(credential, (account) => this.disk.list(config, account, listWindow));
    return items.map((item) => toSourceItem(item, credential.id));
  }
}

function toSourceItem(item: YandexDiskItem, credentialId: string | null): SourceItem {
  const locator: YandexDiskLocator = item.locator;
  return {
    sourceKey: item.key,
    alternateKeys: item.keys.slice(1),
    title: item.title.slice(0, 500),
    startedAt: new Date(item.startTime),
    sizeBytes: item.sizeBytes ?? null,
    durationSeconds: null,
    download: { method: 'HTTP', url: locatorUrl(locator), ...(credentialId ? { credentialId } : {}) },
    metadata: {
      yandexDisk: locator,
      fileName: item.name,
      ...(item.mimeType ? { mimeType: item.mimeType } : {}),
      ...(item.md5 ? { md5: item.md5 } : {}),
      ...(item.sha256 ? { sha256: item.sha256 } : {}),
      sourceKeys: item.keys,
    },
  };
}

/** The file an item names, as its recording's source URL shows it: `disk:/…`, or the public link with the path inside it. */
export function locatorUrl(locator: YandexDiskLocator): string {
  if (locator.publicUrl === undefined) return locator.path;
  if (locator.path === '/' || locator.path === '') return locator.publicUrl;
  const url = new URL(locator.publicUrl);
  url.searchParams.set('path', locator.path);
  return url.href;
}
