import { attachmentDisposition } from './content-disposition';

describe('attachmentDisposition', () => {
  it('keeps an ASCII name as it is', () => {
    expect(attachmentDisposition('Lecture 1.srt')).toBe('attachment; filename="Lecture 1.srt"');
  });

  it('gives any other name as percent-encoded UTF-8 with an ASCII fallback, in ASCII only', () => {
    const header = attachmentDisposition('Лекция №1 «графы».srt');
    expect(header).toBe(
      `attachment; filename="______ _1 _______.srt"; filename*=UTF-8''%D0%9B%D0%B5%D0%BA%D1%86%D0%B8%D1%8F%20%E2%84%961%20%C2%AB%D0%B3%D1%80%D0%B0%D1%84%D1%8B%C2%BB.srt`,
    );
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    expect(decodeURIComponent(header.split("UTF-8''")[1]!)).toBe('Лекция №1 «графы».srt');
  });
});
