import { headerOf, type HttpRequest } from '../common/http-types';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** "24 hours", "1 hour", "30 minutes": how long a link in a mail stays valid. */
export function humanDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes % 60 !== 0) return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  const hours = minutes / 60;
  return hours === 1 ? '1 hour' : `${hours} hours`;
}

/** The quality a media range of the Accept header gives `type` (`text/html`), 0 when none covers it. */
function quality(accept: string, type: string): number {
  const [major] = type.split('/');
  let best = -1;
  let specificity = -1;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    const level = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (level > specificity) {
      specificity = level;
      best = Number.isFinite(q) ? q : 0;
    }
  }
  return Math.max(best, 0);
}

/**
 * True when the client prefers an HTML page to JSON (a browser following a link from a mail);
 * API clients that accept any type or ask for JSON get JSON.
 */
export function wantsHtml(request: HttpRequest): boolean {
  const accept = headerOf(request, 'accept');
  if (!accept) return false;
  const html = quality(accept, 'text/html');
  return html > 0 && html > quality(accept, 'application/json') && /text\/html/i.test(accept);
}

/** A small self-contained page (inline style, no external resources) in LEAP's plain look. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · LEAP</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f5f6f8;color:#1d2330;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:2rem 2.5rem;max-width:28rem;width:100%}
h1{font-size:1.4rem;margin-top:0}
label{display:block;margin:1rem 0 .3rem}
input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #c5cad3;border-radius:6px;font-size:1rem}
button{margin-top:1.2rem;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#2456d6;color:#fff;font-size:1rem;cursor:pointer}
.hint{color:#5b6372;font-size:.9rem}
.error{color:#b3261e}
</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}
