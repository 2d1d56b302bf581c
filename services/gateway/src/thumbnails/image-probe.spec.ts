import { jpegImage, pngImage } from '@leap/testing';
import { probeImage } from './image-probe';

describe('probeImage', () => {
  it('reads the format and dimensions of a PNG and a JPEG from their bytes', async () => {
    expect(probeImage(pngImage(64, 36))).toEqual({ format: 'png', width: 64, height: 36 });
    expect(probeImage(await jpegImage(320, 180))).toEqual({ format: 'jpeg', width: 320, height: 180 });
  });

  it('refuses other formats, truncated files, broken headers and zero dimensions', async () => {
    const png = pngImage(16, 16);
    const jpeg = await jpegImage(32, 32);
    const gif = Buffer.from('GIF89a\x10\x00\x10\x00\x00\x00\x00;', 'latin1');
    const brokenCrc = Buffer.from(png);
    brokenCrc[20] ^= 0xff; // a dimension changed without its CRC
    const zeroWide = pngImage(16, 16);
    zeroWide.writeUInt32BE(0, 16);
    const html = Buffer.from('<html><body>not an image</body></html>');
    for (const bytes of [gif, html, Buffer.alloc(0), png.subarray(0, 40), brokenCrc, zeroWide, jpeg.subarray(0, jpeg.length - 2), jpeg.subarray(0, 20), Buffer.from([0xff, 0xd8, 0xff, 0xd9])]) {
      expect(probeImage(bytes)).toBeUndefined();
    }
  });
});
