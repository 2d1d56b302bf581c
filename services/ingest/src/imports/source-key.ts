import { createHash } from 'node:crypto';
import type { YtDlpInfo } from '../ytdlp/ytdlp.client';

/** `platform:video_id`, the key a source keeps across syncs (`youtube:dQw4w9WgXcQ`); a hash of the URL when the extractor gives no id. */
export function sourceKeyOf(
  info: Pick<YtDlpInfo, 'id' | 'extractor_key' | 'ie_key' | 'extractor' | 'url' | 'webpage_url'>,
  url: string,
  parent?: Pick<YtDlpInfo, 'extractor_key' | 'extractor'>,
): string {
  const platform = (info.ie_key || info.extractor_key || info.extractor || parent?.extractor_key || parent?.extractor || 'generic')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
  const id = info.id || smuggledVideoId(info.url) || createHash('sha256').update(info.url || info.webpage_url || url).digest('hex').slice(0, 16);
  return `${platform}:${id}`;
}

/** yt-dlp hands some entries' ids over inside their URL (`#__youtubedl_smuggle={"force_videoid": …}`). */
function smuggledVideoId(url: string | undefined): string | undefined {
  const hash = url?.split('#__youtubedl_smuggle=')[1];
  if (!hash) return undefined;
  try {
    const id = (JSON.parse(decodeURIComponent(hash.replace(/\+/g, ' '))) as { force_videoid?: unknown }).force_videoid;
    return typeof id === 'string' && id ? id : undefined;
  } catch {
    return undefined;
  }
}
