import type { DiskResource } from '@leap/yandex-disk';

/**
 * The keys a Yandex Disk file is known by, most stable first (the reference's order):
 * - `yadisk:rid:<resource_id>`: Yandex's id, which a rename or a move keeps;
 * - `yadisk:md5:<md5>:<size>`: the content, when there is no id (the same bytes are the same file);
 * - `yadisk:path:<path>` (a public link's: `yadisk:public:<public key>:<path>`): the last resort,
 *   which a rename changes.
 * `key` is the first of them; a sync looks an item up by every key in `keys`, so a file synced
 * once under its path and seen later with its id (or renamed since) is the same recording.
 */
export function yandexDiskKeys(file: Pick<DiskResource, 'resourceId' | 'md5' | 'size' | 'path'>, publicKey?: string): { key: string; keys: string[] } {
  const keys: string[] = [];
  if (file.resourceId) keys.push(`yadisk:rid:${file.resourceId}`);
  if (file.md5 && file.size !== undefined) keys.push(`yadisk:md5:${file.md5.toLowerCase()}:${file.size}`);
  keys.push(publicKey ? `yadisk:public:${publicKey}:${file.path}` : `yadisk:path:${file.path}`);
  return { key: keys[0]!, keys };
}
