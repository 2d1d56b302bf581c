import type { PresetPlatform } from '../presets/preset-metadata';

/** The longest title and description each platform takes (the reference's limits). */
export const PLATFORM_LIMITS: Record<PresetPlatform, { title: number; description: number }> = {
  youtube: { title: 100, description: 5000 },
  vk_video: { title: 128, description: 5000 },
  yandex_disk: { title: 255, description: 5000 },
  local: { title: 500, description: 5000 },
};

/** Text cut to `max` characters with "..." at the end when it is longer (code points, never half a surrogate pair). */
export function truncate(text: string, max: number): { text: string; truncated: boolean } {
  const chars = [...text];
  if (chars.length <= max) return { text, truncated: false };
  return { text: `${chars.slice(0, Math.max(0, max - 3)).join('').trimEnd()}...`, truncated: true };
}

/** YouTube refuses `<` and `>` in titles and descriptions; they become look-alike angle quotes. */
export function sanitizeForYoutube(text: string): string {
  return text.replace(/</g, '‹').replace(/>/g, '›');
}

/** Control characters out (newlines and tabs kept in descriptions), runs of blank lines shortened, ends trimmed. */
export function tidy(text: string, options: { singleLine: boolean }): string {
  // eslint-disable-next-line no-control-regex
  let out = text.replace(options.singleLine ? /[\u0000-\u001f\u007f]+/g : /[\u0000-\u0008\u000b-\u001f\u007f]+/g, options.singleLine ? ' ' : '');
  if (options.singleLine) out = out.replace(/\s+/g, ' ');
  else out = out.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n');
  return out.trim();
}

/** A rendered file name a disk accepts: no path separators or reserved characters, at most 200 characters. */
export function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = tidy(name, { singleLine: true }).replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').replace(/^\.+/, '');
  return truncate(cleaned, 200).text.replace(/\.\.\.$/, '');
}

/** A rendered folder path: `/`-separated, each segment made safe, `..` and empty segments dropped. */
export function safeFolderPath(path: string): string {
  const segments = path
    .split('/')
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && s !== '.' && s !== '..')
    .map(safeFileName)
    .filter((s) => s.length > 0);
  return `/${segments.join('/')}`;
}
