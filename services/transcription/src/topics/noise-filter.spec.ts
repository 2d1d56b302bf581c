import { filterNoise, isNoiseSegment } from './noise-filter';

describe('isNoiseSegment', () => {
  it('knows the invented sign-offs, repeated or not, whatever the case and punctuation', () => {
    expect(isNoiseSegment('Продолжение следует...')).toBe(true);
    expect(isNoiseSegment('Субтитры сделал DimaTorzok')).toBe(true);
    expect(isNoiseSegment('Thank you for watching! Thank you for watching!')).toBe(true);
    expect(isNoiseSegment('Thank you for watching this lecture on graphs')).toBe(false);
    expect(isNoiseSegment('Today we talk about graphs.')).toBe(false);
  });
});

describe('filterNoise', () => {
  const seg = (start: number, text: string) => ({ start, end: start + 4, text });

  it('drops invented phrases and keeps the speech', () => {
    const { kept, dropped } = filterNoise([seg(0, 'Hello students.'), seg(10, 'Продолжение следует...'), seg(20, 'Graphs have edges.')]);
    expect(kept.map((s) => s.text)).toEqual(['Hello students.', 'Graphs have edges.']);
    expect(dropped).toBe(1);
  });

  it('drops a stretch of 15 minutes or more that is mostly invented text, the odd real-looking line inside included', () => {
    const segments = [seg(0, 'Welcome to the lecture.')];
    for (let t = 60; t <= 60 + 16 * 60; t += 60) segments.push(seg(t, t === 360 ? 'Hmm okay' : 'Спасибо за просмотр!'));
    segments.push(seg(1200, 'We are back after the break.'));
    const { kept } = filterNoise(segments);
    expect(kept.map((s) => s.text)).toEqual(['Welcome to the lecture.', 'We are back after the break.']);
  });

  it('keeps a real line between two short bursts of noise', () => {
    const { kept } = filterNoise([seg(0, 'Thanks for watching'), seg(30, 'Real content here.'), seg(60, 'Thanks for watching')]);
    expect(kept.map((s) => s.text)).toEqual(['Real content here.']);
  });
});
