import { clock, transcriptText } from './transcript-text';

describe('the plain-text transcript', () => {
  it('writes one [HH:MM:SS] line per segment', () => {
    const master = {
      segments: [
        { start: 0, end: 4.2, text: ' Good morning. ' },
        { start: 65.9, end: 70, text: 'Today: graphs.' },
        { start: 3723.5, end: 3725, text: 'Questions?' },
        { start: 3800, text: '   ' },
      ],
    };
    expect(transcriptText(master)).toBe('[00:00:00] Good morning.\n[00:01:05] Today: graphs.\n[01:02:03] Questions?\n');
  });

  it('is empty for a transcript without segments', () => {
    expect(transcriptText({ words: [] })).toBe('');
    expect(transcriptText(null)).toBe('');
    expect(clock(-3)).toBe('00:00:00');
  });
});
