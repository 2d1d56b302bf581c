import { parsePocketsphinxOutput, wavDurationSeconds } from './pocketsphinx-output';

const OUTPUT = `not learning students
<s> 0.000 0.020 0.999500
not 0.030 0.210 0.153921
learning 0.220 0.740 0.247942
students 0.750 1.590 0.028978
<sil> 1.600 1.730 0.986885
</s> 1.740 2.030 1.000000
they numbers and and
<s> 2.080 2.100 0.999200
they 2.110 2.370 0.188493
[SPEECH] 2.380 2.480 0.946858
[NOISE] 2.480 2.490 0.1
++UM++ 2.490 2.500 0.2
numbers 3.840 4.430 0.703322
and(2) 4.440 4.790 0.642524
and 4.800 5.110 0.701004
</s> 5.120 5.370 1.000000
`;

describe('parsePocketsphinxOutput', () => {
  it('keeps the timed words, drops fillers and hypothesis lines, and strips variant suffixes', () => {
    expect(parsePocketsphinxOutput(OUTPUT)).toEqual([
      { text: 'not', start: 0.03, end: 0.21, confidence: 0.153921 },
      { text: 'learning', start: 0.22, end: 0.74, confidence: 0.247942 },
      { text: 'students', start: 0.75, end: 1.59, confidence: 0.028978 },
      { text: 'they', start: 2.11, end: 2.37, confidence: 0.188493 },
      { text: 'numbers', start: 3.84, end: 4.43, confidence: 0.703322 },
      { text: 'and', start: 4.44, end: 4.79, confidence: 0.642524 },
      { text: 'and', start: 4.8, end: 5.11, confidence: 0.701004 },
    ]);
  });

  it('finds nothing in silence', () => {
    expect(parsePocketsphinxOutput('\n<s> 0.000 0.020 0.99\n<sil> 0.03 4.0 1\n</s> 4.1 4.2 1\n')).toEqual([]);
  });
});

describe('wavDurationSeconds', () => {
  function wav(dataBytes: number, declared = dataBytes): { header: Buffer; size: number } {
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'ascii');
    header.writeUInt32LE(36 + dataBytes, 4);
    header.write('WAVE', 8, 'ascii');
    header.write('fmt ', 12, 'ascii');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20);
    header.writeUInt16LE(1, 22);
    header.writeUInt32LE(16000, 24);
    header.writeUInt32LE(32000, 28);
    header.writeUInt16LE(2, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36, 'ascii');
    header.writeUInt32LE(declared, 40);
    return { header, size: 44 + dataBytes };
  }

  it('divides the data size by the byte rate', () => {
    const { header, size } = wav(32000 * 3 + 16000);
    expect(wavDurationSeconds(header, size)).toBe(3.5);
  });

  it('uses the file size when the data size was left open by a streaming writer', () => {
    const { header, size } = wav(64000, 0xffffffff);
    expect(wavDurationSeconds(header, size)).toBe(2);
  });

  it('is 0 for something that is not WAV', () => {
    expect(wavDurationSeconds(Buffer.from('ID3 not a wav file at all'), 25)).toBe(0);
  });
});
