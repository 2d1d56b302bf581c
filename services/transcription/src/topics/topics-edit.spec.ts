import { LeapError } from '@leap/errors';
import { editActiveVersion } from './topics-edit';
import type { TopicsDocument } from './topics-document';

const base = {
  createdAt: '2026-01-01T00:00:00.000Z',
  granularity: 'medium' as const,
  language: 'en',
  summary: 'Old summary.',
  mainTopics: ['Old'],
  questions: ['Q1?'],
  sourceMessageId: 'm',
};
const DOCUMENT: TopicsDocument = {
  activeVersion: 2,
  versions: [
    { ...base, version: 1, topics: [{ start: 0, end: 600, title: 'One' }] },
    { ...base, version: 2, topics: [{ start: 0, end: 300, title: 'A' }, { start: 300, end: 600, title: 'B' }] },
  ],
};
const NOW = new Date('2026-02-03T04:05:06.000Z');

describe('editActiveVersion', () => {
  it('replaces the fields given in the active version, keeps the others, and marks it edited', () => {
    const { document, version } = editActiveVersion(
      DOCUMENT,
      { recordingId: 'r', userId: 'u', summary: ' New summary. ', topics: { items: [{ startSeconds: 0, title: 'Intro' }, { startSeconds: 120, endSeconds: 0, title: 'Main part' }] } },
      NOW,
    );
    expect(version).toMatchObject({
      version: 2,
      summary: 'New summary.',
      mainTopics: ['Old'],
      questions: ['Q1?'],
      topics: [
        { start: 0, end: 120, title: 'Intro' },
        { start: 120, end: 600, title: 'Main part' },
      ],
      manuallyEdited: true,
      editedAt: NOW.toISOString(),
    });
    expect(document.activeVersion).toBe(2);
    expect(document.versions[0]).toBe(DOCUMENT.versions[0]);
    expect(document.versions[1]).toBe(version);
  });

  it('refuses topics without titles or out of order, with every problem named', () => {
    let error: unknown;
    try {
      editActiveVersion(DOCUMENT, { recordingId: 'r', userId: 'u', topics: { items: [{ startSeconds: 50, title: 'x' }, { startSeconds: 10, title: ' ' }] } }, NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LeapError);
    expect(error).toMatchObject({ code: 'TRANSCRIPTION.TOPICS_EDIT_INVALID', status: 422 });
    expect((error as Error).message).toBe('The edit cannot be applied: topics[0].end is before its start; topics[1].title must not be empty; topics[1] must start after topics[0]');
  });
});
