import type { EditTopics } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import type { TopicEntry } from './topic-extraction';
import type { TopicsDocument, TopicVersion } from './topics-document';

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/**
 * The active version with a hand edit applied: the fields given replace the version's, the
 * version is marked manually edited (it keeps its number: an edit is not an extraction). Topics
 * must have titles and go forward in time; an end of 0 is where the next topic starts (the last
 * one's: the old last end). Refused with `TRANSCRIPTION.TOPICS_EDIT_INVALID`.
 */
export function editActiveVersion(document: TopicsDocument, edit: EditTopics, now: Date): { document: TopicsDocument; version: TopicVersion } {
  const index = document.versions.findIndex((v) => v.version === document.activeVersion);
  if (index < 0) throw new LeapError('TRANSCRIPTION.TOPICS_MISSING', `Topic version ${document.activeVersion} is not in the document`, { retryable: false, status: 404 });
  const current = document.versions[index]!;
  const problems: string[] = [];
  const next: TopicVersion = { ...current, manuallyEdited: true, editedAt: now.toISOString() };
  if (edit.summary !== undefined) {
    if (!edit.summary.trim()) problems.push('summary must not be empty');
    next.summary = edit.summary.trim();
  }
  if (edit.mainTopics) next.mainTopics = (edit.mainTopics.items ?? []).map((t) => t.trim()).filter(Boolean);
  if (edit.questions) {
    const questions = (edit.questions.items ?? []).map((q) => q.trim()).filter(Boolean);
    if (questions.length > 10) problems.push('at most 10 questions');
    next.questions = questions;
  }
  if (edit.topics) {
    const items = edit.topics.items ?? [];
    const lastEnd = current.topics.at(-1)?.end ?? 0;
    const topics: TopicEntry[] = [];
    items.forEach((item, i) => {
      const start = item.startSeconds ?? 0;
      if (!item.title?.trim()) problems.push(`topics[${i}].title must not be empty`);
      if (!(start >= 0)) problems.push(`topics[${i}].start must not be negative`);
      if (i > 0 && start <= (items[i - 1]!.startSeconds ?? 0)) problems.push(`topics[${i}] must start after topics[${i - 1}]`);
      const end = item.endSeconds || (items[i + 1]?.startSeconds ?? Math.max(lastEnd, start));
      if (end < start) problems.push(`topics[${i}].end is before its start`);
      topics.push({ start: round3(start), end: round3(end), title: (item.title ?? '').trim() });
    });
    if (topics.length === 0) problems.push('topics must not be empty');
    next.topics = topics;
  }
  if (problems.length > 0) throw new LeapError('TRANSCRIPTION.TOPICS_EDIT_INVALID', `The edit cannot be applied: ${problems.join('; ')}`, { retryable: false, status: 422 });
  const versions = [...document.versions];
  versions[index] = next;
  return { document: { ...document, versions }, version: next };
}
