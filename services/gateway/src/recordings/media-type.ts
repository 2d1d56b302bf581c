/**
 * What an upload may be: the extension whitelist and, for each extension, the container its
 * first bytes must show. The reference accepts mp4/webm/mkv/mov with an EBML or `ftyp` sniff; the
 * audio containers (mp3, m4a, wav) are accepted as well so lectures recorded as audio can be
 * transcribed.
 */
type Container = 'iso-bmff' | 'quicktime' | 'ebml' | 'mp3' | 'wav';

export interface UploadType {
  extension: string;
  contentType: string;
  container: Container;
}

export const UPLOAD_TYPES: Readonly<Record<string, UploadType>> = {
  mp4: { extension: 'mp4', contentType: 'video/mp4', container: 'iso-bmff' },
  m4a: { extension: 'm4a', contentType: 'audio/mp4', container: 'iso-bmff' },
  mov: { extension: 'mov', contentType: 'video/quicktime', container: 'quicktime' },
  webm: { extension: 'webm', contentType: 'video/webm', container: 'ebml' },
  mkv: { extension: 'mkv', contentType: 'video/x-matroska', container: 'ebml' },
  mp3: { extension: 'mp3', contentType: 'audio/mpeg', container: 'mp3' },
  wav: { extension: 'wav', contentType: 'audio/wav', container: 'wav' },
};

/** Bytes of the file's head the sniff needs. */
export const SNIFF_BYTES = 12;

/** The whitelisted type of a file name, by its extension, or undefined. */
export function uploadTypeOf(filename: string): UploadType | undefined {
  const dot = filename.lastIndexOf('.');
  if (dot < 0) return undefined;
  return UPLOAD_TYPES[filename.slice(dot + 1).toLowerCase()];
}

const QUICKTIME_ATOMS = new Set(['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

/** Whether the first bytes of a file look like the container its extension promises. */
export function matchesContainer(type: UploadType, head: Buffer): boolean {
  const ascii = (from: number, to: number) => head.subarray(from, to).toString('latin1');
  switch (type.container) {
    case 'iso-bmff':
      return head.length >= 8 && ascii(4, 8) === 'ftyp';
    case 'quicktime':
      return head.length >= 8 && QUICKTIME_ATOMS.has(ascii(4, 8));
    case 'ebml':
      return head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3;
    case 'mp3':
      return (head.length >= 3 && ascii(0, 3) === 'ID3') || (head.length >= 2 && head[0] === 0xff && (head[1]! & 0xe0) === 0xe0);
    case 'wav':
      return head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE';
  }
}

/** The file name without its extension, as a default title. */
export function baseName(filename: string): string {
  const plain = filename.replace(/^.*[\\/]/, '');
  const dot = plain.lastIndexOf('.');
  return (dot > 0 ? plain.slice(0, dot) : plain).trim() || 'Untitled recording';
}
