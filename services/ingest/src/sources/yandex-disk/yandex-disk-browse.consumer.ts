import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type BrowseYandexDisk, type YandexDiskFolder } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { INGEST_COMMANDS_QUEUE } from '../../recordings/recordings.consumer';
import { YandexDiskAccounts } from './yandex-disk-accounts';
import { YandexDiskSource } from './yandex-disk.source';

const MEDIA = /^(video|audio)\//;
const MAX_LIMIT = 100;

/** The Yandex Disk picker's question ingest answers (its credentials are kept here). */
export const YANDEX_DISK_QUERIES = [MESSAGE_TYPES.ingest.BrowseYandexDisk];

/**
 * One level of a folder of a user's Yandex Disk credential, for a picker choosing a source's
 * `folderPath`: folders and files with their paths, one page at a time. Another user's
 * credential is CREDENTIAL.NOT_FOUND; a refused one is YANDEX_DISK.NEEDS_REAUTH and is marked.
 */
@Injectable()
export class YandexDiskBrowseConsumer {
  constructor(
    private readonly disk: YandexDiskSource,
    private readonly accounts: YandexDiskAccounts,
  ) {}

  @MessageHandler(MESSAGE_TYPES.ingest.BrowseYandexDisk, { queue: INGEST_COMMANDS_QUEUE })
  async browse(ctx: MessageContext<BrowseYandexDisk>): Promise<YandexDiskFolder> {
    const { userId, credentialId, path = '', limit = 20, offset = 0 } = ctx.data;
    if (limit < 1 || limit > MAX_LIMIT || offset < 0) throw new LeapError('VALIDATION.FAILED', `limit must be 1 to ${MAX_LIMIT} and offset at least 0`, { status: 400, retryable: false });
    const credential = await this.accounts.credential(userId, credentialId);
    const page = await this.accounts.use(credential, (account) => this.disk.browse(account, path || '/', { limit, offset }));
    return {
      path: page.path,
      total: page.total,
      items: page.items.map((item) => ({
        name: item.name,
        path: item.path,
        type: item.type,
        ...(item.size !== undefined ? { sizeBytes: String(item.size) } : {}),
        ...(item.modified ? { modifiedAt: new Date(item.modified).toISOString() } : {}),
        ...(item.mimeType ? { mimeType: item.mimeType } : {}),
        media: item.type === 'file' && MEDIA.test(item.mimeType ?? ''),
      })),
    };
  }
}
