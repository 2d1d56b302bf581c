import { formatDuration, parseByteSize, parseDuration, parseDurationList } from './duration';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['10s', 10_000],
    ['1m', 60_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['30d', 2_592_000_000],
    ['1w', 604_800_000],
    ['1.5h', 5_400_000],
    [' 5S ', 5_000],
    ['0ms', 0],
  ])('parses %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10', 'abc', '10x', '-5s', '1m30s', 's', '1.s'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/is not a duration such as 250ms, 10s, 1m, 2h or 30d/);
  });

  it('parses a comma list in order, ignoring blanks and empty items', () => {
    expect(parseDurationList('10s, 1m,10m,')).toEqual([10_000, 60_000, 600_000]);
  });

  it('names the bad item of a list', () => {
    expect(() => parseDurationList('10s,oops')).toThrow('"oops" is not a duration');
  });
});

describe('formatDuration', () => {
  it.each([
    [10_000, '10s'],
    [60_000, '1m'],
    [600_000, '10m'],
    [7_200_000, '2h'],
    [86_400_000, '1d'],
    [1_500, '1500ms'],
    [90_000, '90s'],
    [0, '0ms'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips every default retry tier', () => {
    for (const text of ['10s', '1m', '10m']) expect(formatDuration(parseDuration(text))).toBe(text);
  });

  it('refuses negative and fractional milliseconds', () => {
    expect(() => formatDuration(-1)).toThrow();
    expect(() => formatDuration(1.5)).toThrow();
  });
});

describe('parseByteSize', () => {
  it.each([
    ['1048576', 1_048_576],
    ['500MB', 500_000_000],
    ['5GiB', 5 * 1024 ** 3],
    ['1.5 KiB', 1536],
    ['2tb', 2_000_000_000_000],
  ])('parses %s as %d bytes', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(['', 'lots', '5 parsecs', '-1'])('refuses %j', (text) => {
    expect(() => parseByteSize(text)).toThrow(/is not a size in bytes/);
  });
});
