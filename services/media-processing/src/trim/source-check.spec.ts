import { sniffSource } from './source-check';

const padded = (head: Buffer): Buffer => Buffer.concat([head, Buffer.alloc(4096 - head.length)]);

describe('sniffSource', () => {
  it('recognises mp4, Matroska/WebM, mp3 and wav by their magic bytes', () => {
    expect(sniffSource(padded(Buffer.from([0, 0, 0, 0x20, ...Buffer.from('ftypisom')])), 50_000)).toEqual({ ok: true, container: 'mp4' });
    expect(sniffSource(padded(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])), 50_000)).toEqual({ ok: true, container: 'matroska' });
    expect(sniffSource(padded(Buffer.from('ID3\x04')), 50_000)).toEqual({ ok: true, container: 'mp3' });
    expect(sniffSource(padded(Buffer.from('RIFF\x00\x00\x00\x00WAVE')), 50_000)).toEqual({ ok: true, container: 'wav' });
  });

  it('rejects an empty file, a tiny file and an HTML page with a reason', () => {
    expect(sniffSource(Buffer.alloc(0), 0)).toEqual({ ok: false, reason: 'the source is empty' });
    expect(sniffSource(Buffer.from([0, 0, 0, 0x20, ...Buffer.from('ftypisom')]), 12)).toEqual({ ok: false, reason: 'the source is only 12 bytes' });
    expect(sniffSource(Buffer.from('\n  <!DOCTYPE html><html>'), 80_000)).toEqual({ ok: false, reason: 'the source is an HTML or XML page, not media' });
  });

  it('rejects text that is not a media container', () => {
    const result = sniffSource(Buffer.from('just some words '.repeat(100)), 1600);
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ reason: expect.stringMatching(/not in a known media container/) });
  });
});
