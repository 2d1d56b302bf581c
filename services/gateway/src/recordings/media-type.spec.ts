import { baseName, matchesContainer, uploadTypeOf } from './media-type';

const ftyp = Buffer.from('00000020667479706973366f', 'hex');
const ebml = Buffer.from('1a45dfa3a34286810142f781', 'hex');

describe('upload types', () => {
  it('accepts whitelisted extensions in any case and refuses the rest', () => {
    expect(uploadTypeOf('Lecture 1.MP4')?.contentType).toBe('video/mp4');
    expect(uploadTypeOf('talk.webm')?.container).toBe('ebml');
    expect(uploadTypeOf('notes.txt')).toBeUndefined();
    expect(uploadTypeOf('no-extension')).toBeUndefined();
  });

  it('sniffs the container the extension promises', () => {
    expect(matchesContainer(uploadTypeOf('a.mp4')!, ftyp)).toBe(true);
    expect(matchesContainer(uploadTypeOf('a.m4a')!, ftyp)).toBe(true);
    expect(matchesContainer(uploadTypeOf('a.mov')!, ftyp)).toBe(true);
    expect(matchesContainer(uploadTypeOf('a.mkv')!, ebml)).toBe(true);
    expect(matchesContainer(uploadTypeOf('a.mp4')!, ebml)).toBe(false);
    expect(matchesContainer(uploadTypeOf('a.webm')!, ftyp)).toBe(false);
    expect(matchesContainer(uploadTypeOf('a.mp4')!, Buffer.from('hello, this is text'))).toBe(false);
    expect(matchesContainer(uploadTypeOf('a.mp3')!, Buffer.from('ID3\u0004\u0000'))).toBe(true);
    expect(matchesContainer(uploadTypeOf('a.mp3')!, Buffer.from([0xff, 0xfb, 0x90, 0x64]))).toBe(true);
    expect(matchesContainer(uploadTypeOf('a.wav')!, Buffer.from('RIFF\u0024\u0000\u0000\u0000WAVEfmt '))).toBe(true);
    expect(matchesContainer(uploadTypeOf('a.wav')!, Buffer.from('RIFF\u0024\u0000\u0000\u0000AVI LIST'))).toBe(false);
  });

  it('derives a title from the file name', () => {
    expect(baseName('C:\\tmp\\Lecture 3.mp4')).toBe('Lecture 3');
    expect(baseName('.mp4')).toBe('.mp4');
  });
});
