/**
 * `Content-Disposition: attachment` for a file name in any script (RFC 6266): an ASCII fallback in
 * `filename` (other characters become `_`) and the exact name, percent-encoded UTF-8, in
 * `filename*`. Header values must be ASCII; raw UTF-8 bytes would reach clients as mojibake.
 */
export function attachmentDisposition(filename: string): string {
  // eslint-disable-next-line no-control-regex
  const fallback = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return fallback === filename ? `attachment; filename="${filename}"` : `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
