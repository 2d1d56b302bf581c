import { preciseClock, timedLines } from './timed-lines';

describe('timedLines', () => {
  const master = {
    segments: [
      { start: 0.03, end: 1.59, text: 'good morning students' },
      { start: 3725.5, end: 3727.125, text: ' later ' },
      { start: 4, end: 5, text: '' },
    ],
    words: [
      { text: 'good', start: 0.03, end: 0.5 },
      { text: 'morning', start: 0.6, end: 1.0 },
    ],
  };

  it('writes one [start - end] line per segment, as the reference’s segments.txt', () => {
    expect(timedLines(master, 'segments')).toBe('[00:00:00.030 - 00:00:01.590] good morning students\n[01:02:05.500 - 01:02:07.125] later\n');
  });

  it('writes one line per word, as the reference’s words.txt', () => {
    expect(timedLines(master, 'words')).toBe('[00:00:00.030 - 00:00:00.500] good\n[00:00:00.600 - 00:00:01.000] morning\n');
  });

  it('is empty for something that is not a transcript', () => {
    expect(timedLines({ hello: 1 }, 'words')).toBe('');
    expect(preciseClock(-3)).toBe('00:00:00.000');
  });
});
