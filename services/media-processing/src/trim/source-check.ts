/** What the first bytes of a source say about it. */
export type SourceSniff =
  | { ok: true; container: string }
  | { ok: false; reason: string };

/** Anything smaller cannot be a recording (reference: at least 1 KiB). */
export const MIN_SOURCE_BYTES = 1024;

const SIGNATURES: Array<{ container: string; test: (b: Buffer) => boolean }> = [
  { container: 'mp4', test: (b) => b.length >= 8 && b.toString('latin1', 4, 8) === 'ftyp' },
  { container: 'matroska', test: (b) => b.length >= 4 && b.readUInt32BE(0) === 0x1a45dfa3 },
  { container: 'mp3', test: (b) => b.toString('latin1', 0, 3) === 'ID3' || (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0) },
  { container: 'wav', test: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE' },
  { container: 'ogg', test: (b) => b.toString('latin1', 0, 4) === 'OggS' },
  { container: 'flac', test: (b) => b.toString('latin1', 0, 4) === 'fLaC' },
  { container: 'mpegts', test: (b) => b.length >= 189 && b[0] === 0x47 && b[188] === 0x47 },
  // QuickTime files that start with another atom than ftyp.
  { container: 'mov', test: (b) => b.length >= 8 && ['moov', 'mdat', 'wide', 'free', 'skip'].includes(b.toString('latin1', 4, 8)) },
];

/**
 * Integrity check of a downloaded source before ffprobe sees it: large enough, not an HTML page
 * (an expired link or a login page saved as the video), and a known media container by its
 * magic bytes.
 */
export function sniffSource(head: Buffer, sizeBytes: number): SourceSniff {
  if (sizeBytes === 0) return { ok: false, reason: 'the source is empty' };
  const text = head.toString('utf8', 0, Math.min(head.length, 512)).trimStart().toLowerCase();
  if (text.startsWith('<!doctype html') || text.startsWith('<html') || text.startsWith('<?xml') || text.startsWith('<head')) {
    return { ok: false, reason: 'the source is an HTML or XML page, not media' };
  }
  if (sizeBytes < MIN_SOURCE_BYTES) return { ok: false, reason: `the source is only ${sizeBytes} bytes` };
  const match = SIGNATURES.find((s) => s.test(head));
  if (!match) return { ok: false, reason: 'the source is not in a known media container (mp4, mov, webm, mkv, mp3, wav, ogg, flac, ts)' };
  return { ok: true, container: match.container };
}
