import type { DisplayFormat } from '../presets/preset-metadata';

/** One topic or question to show; `start` (seconds) is shown when timestamps are asked for. */
export interface ListItem {
  text: string;
  start?: number;
}

export interface ListDisplay {
  enabled: boolean;
  format: DisplayFormat;
  maxCount?: number;
  minLength?: number;
  maxLength?: number;
  prefix: string;
  separator?: string;
  showTimestamps: boolean;
}

/** `1:02:03` or `2:03`: how a timestamp reads in a description (YouTube links those as chapters). */
export function timestamp(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/**
 * Topics or questions as a description shows them: filtered by length, cut to `maxCount`, each
 * cut to `maxLength` with "...", in the chosen format, after the prefix. Empty when disabled or
 * when nothing is left.
 */
export function formatList(items: ListItem[], display: ListDisplay): string {
  if (!display.enabled) return '';
  let kept = items
    .map((item) => ({ ...item, text: item.text.replace(/\s+/g, ' ').trim() }))
    .filter((item) => item.text.length > 0 && item.text.length >= (display.minLength ?? 0));
  if (display.maxCount !== undefined) kept = kept.slice(0, display.maxCount);
  if (kept.length === 0) return '';
  const texts = kept.map((item) => {
    const text = display.maxLength !== undefined && item.text.length > display.maxLength ? `${item.text.slice(0, Math.max(0, display.maxLength - 3)).trimEnd()}...` : item.text;
    return display.showTimestamps && item.start !== undefined ? `${timestamp(item.start)} ${text}` : text;
  });
  const body = joinAs(texts, display.format, display.separator);
  const prefix = display.prefix.trim();
  if (!prefix) return body;
  const inline = display.format === 'comma_separated' || display.format === 'inline';
  return inline ? `${prefix} ${body}` : `${prefix}\n${body}`;
}

function joinAs(texts: string[], format: DisplayFormat, separator?: string): string {
  switch (format) {
    case 'numbered_list':
      return texts.map((t, i) => `${i + 1}. ${t}`).join('\n');
    case 'bullet_list':
      return texts.map((t) => `• ${t}`).join('\n');
    case 'dash_list':
      return texts.map((t) => `- ${t}`).join('\n');
    case 'comma_separated':
      return texts.join(separator ?? ', ');
    case 'inline':
      return texts.join(separator ?? ' | ');
    case 'plain':
      return texts.join(separator ?? '\n');
  }
}
