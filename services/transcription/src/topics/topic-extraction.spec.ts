import type { TranscriptSegment } from '../transcript/master-transcript';
import { contentWords, extractTopics, questionsCountOf, targetTopicCount, topicCountRange } from './topic-extraction';
import { addTopicVersion } from './topics-document';

/** A 34-minute lecture: photosynthesis, a 10-minute break, then cell division and genetics. */
function lecture(): { segments: TranscriptSegment[]; durationSeconds: number; language: string } {
  const segments: TranscriptSegment[] = [];
  const part = (from: number, sentences: string[]) =>
    sentences.forEach((text, i) => segments.push({ start: from + i * 30, end: from + i * 30 + 25, text }));
  const photosynthesis = [
    'today we talk about photosynthesis in green plants',
    'photosynthesis turns light into chemical energy',
    'the chlorophyll in leaves absorbs the light',
    'plants use light water and carbon dioxide',
    'photosynthesis produces glucose and oxygen',
    'the light reactions happen in the chloroplast',
    'chlorophyll makes the leaves look green',
    'glucose stores the energy of the light',
  ];
  const division = [
    'after the break we move to cell division',
    'mitosis is how a cell divides into two cells',
    'each cell copies its chromosomes before mitosis',
    'the chromosomes line up in the middle of the cell',
    'mitosis ends with two identical cells',
    'cell division lets the body grow and repair',
  ];
  const genetics = [
    'genetics explains how traits pass from parents',
    'genes sit on the chromosomes inside each cell',
    'mendel studied genetics with pea plants',
    'dominant genes hide recessive genes',
    'genetics and inheritance shape every organism',
    'a gene can have several versions called alleles',
  ];
  part(0, photosynthesis); // 0 .. 235 s
  part(240 + 600, division); // a break from 235 s to 840 s
  part(840 + 6 * 30, genetics); // 1020 .. 1195 s
  return { segments, durationSeconds: 34 * 60, language: 'en' };
}

describe('topic count', () => {
  it('follows the reference: minimum clamped to [3, 25], maximum capped at 30', () => {
    expect(topicCountRange(60 * 60, 'medium')).toEqual({ min: 3, max: 15 });
    expect(topicCountRange(60 * 60, 'long')).toEqual({ min: 5, max: 20 });
    expect(topicCountRange(60 * 60, 'short')).toEqual({ min: 3, max: 12 });
    expect(topicCountRange(10 * 60 * 60, 'long')).toEqual({ min: 25, max: 30 });
    expect(topicCountRange(5 * 60, 'medium')).toEqual({ min: 3, max: 3 });
  });

  it('gives more topics to finer granularity and fewer to a short transcript', () => {
    const segments = 1000;
    expect(targetTopicCount(3600, 'short', segments)).toBeLessThan(targetTopicCount(3600, 'medium', segments));
    expect(targetTopicCount(3600, 'medium', segments)).toBeLessThan(targetTopicCount(3600, 'long', segments));
    expect(targetTopicCount(12, 'medium', 3)).toBe(1);
    expect(targetTopicCount(100, 'medium', 0)).toBe(0);
  });
});

describe('contentWords', () => {
  it('drops stop words, short words and punctuation, in English and Russian', () => {
    expect(contentWords("Today we'll study the Photosynthesis, it's green!")).toEqual(['study', 'photosynthesis', 'green']);
    expect(contentWords('Сегодня мы изучаем фотосинтез и это важно')).toEqual(['сегодня', 'изучаем', 'фотосинтез', 'важно']);
  });
});

describe('extractTopics', () => {
  const result = extractTopics(lecture(), { granularity: 'long', questionsCount: 4 });

  it('titles each window by its most salient words and lists the long pause as a break', () => {
    const titles = result.topics.map((t) => t.title);
    expect(titles).toContain('Break');
    const before = titles.slice(0, titles.indexOf('Break')).join(' ');
    const after = titles.slice(titles.indexOf('Break') + 1).join(' ');
    expect(before).toMatch(/Photosynthesis|Light|Chlorophyll/);
    expect(after).toMatch(/Mitosis|Cell|Genetics|Chromosomes|Genes/);
    for (const title of titles.filter((t) => t !== 'Break')) {
      const words = title.split(' ');
      expect(words.length).toBeGreaterThanOrEqual(1);
      expect(words.length).toBeLessThanOrEqual(4);
    }
  });

  it('covers the recording from 0 to its end, each topic ending where the next starts', () => {
    const { topics } = result;
    expect(topics[0]!.start).toBe(0);
    expect(topics[topics.length - 1]!.end).toBe(34 * 60);
    for (let i = 1; i < topics.length; i++) expect(topics[i]!.start).toBe(topics[i - 1]!.end);
    const pause = topics.find((t) => t.title === 'Break')!;
    expect(pause).toEqual({ start: 235, end: 840, title: 'Break' });
  });

  it('summarises with sentences of the transcript, and lists main topics and the asked number of questions', () => {
    expect(result.summary.length).toBeGreaterThan(0);
    expect(result.summary).toMatch(/^[A-Z].*\.$/);
    expect(result.summary.toLowerCase()).toMatch(/photosynthesis|cell|genetics/);
    expect(result.mainTopics.length).toBeGreaterThan(0);
    expect(result.mainTopics).not.toContain('Break');
    expect(result.questions).toHaveLength(4);
    expect(new Set(result.questions).size).toBe(4);
    expect(result.questions.join(' ').toLowerCase()).toMatch(/photosynthesis|cell|light|genetics|mitosis/);
    expect(result.granularity).toBe('long');
  });

  it('gives one topic to a transcript of a few seconds', () => {
    const short = extractTopics(
      { language: 'en', durationSeconds: 11, segments: [{ start: 0.5, end: 4, text: 'good morning students' }, { start: 5, end: 10, text: 'today the lecture is about numbers' }] },
      {},
    );
    expect(short.topics).toHaveLength(1);
    expect(short.topics[0]).toMatchObject({ start: 0, end: 11 });
    expect(short.questions).toHaveLength(3);
  });

  it('writes labels and questions in Russian for a Russian transcript', () => {
    const ru = extractTopics({ language: 'ru', durationSeconds: 60, segments: [{ start: 0, end: 5, text: 'сегодня говорим про фотосинтез' }] }, { questionsCount: 1 });
    expect(ru.questions[0]).toMatch(/лекции/);
  });
});

describe('questionsCountOf', () => {
  it('defaults to 3 and keeps 1 to 10', () => {
    expect([undefined, 0, -2, 1, 7, 10, 42].map(questionsCountOf)).toEqual([3, 3, 3, 1, 7, 10, 10]);
  });
});

describe('addTopicVersion', () => {
  const extracted = extractTopics(lecture());
  const now = new Date('2025-01-02T03:04:05Z');

  it('starts at version 1, adds version 2 on a re-run and makes it active', () => {
    const first = addTopicVersion(undefined, extracted, 'msg-1', now);
    expect(first.document.activeVersion).toBe(1);
    expect(first.version).toMatchObject({ version: 1, createdAt: '2025-01-02T03:04:05.000Z', granularity: 'medium' });
    const second = addTopicVersion(first.document, extracted, 'msg-2', now);
    expect(second.document.activeVersion).toBe(2);
    expect(second.document.versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it('adds nothing when the same command is delivered again', () => {
    const first = addTopicVersion(undefined, extracted, 'msg-1', now);
    const again = addTopicVersion(first.document, extracted, 'msg-1', now);
    expect(again.added).toBe(false);
    expect(again.document.versions).toHaveLength(1);
    expect(again.version.version).toBe(1);
  });
});
