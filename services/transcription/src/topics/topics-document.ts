import { LeapError } from '@leap/errors';
import type { ExtractedTopics } from './topic-extraction';

/** One extraction, numbered from 1. */
export interface TopicVersion extends ExtractedTopics {
  version: number;
  createdAt: string;
  /** The command that produced it: a redelivered command finds its version instead of adding one. */
  sourceMessageId: string;
  /** Changed by hand since it was extracted (`PATCH /recordings/{id}/topics`). */
  manuallyEdited?: boolean;
  editedAt?: string;
}

/** `transcription/topics.json`: every version, and which one is active. */
export interface TopicsDocument {
  activeVersion: number;
  versions: TopicVersion[];
}

/**
 * Adds a version made by `sourceMessageId` and makes it active, or returns the version that
 * message already added (a redelivery).
 */
export function addTopicVersion(
  document: TopicsDocument | undefined,
  extracted: ExtractedTopics,
  sourceMessageId: string,
  now: Date,
): { document: TopicsDocument; version: TopicVersion; added: boolean } {
  const versions = document?.versions ?? [];
  const existing = versions.find((v) => v.sourceMessageId === sourceMessageId);
  if (existing && document) return { document, version: existing, added: false };
  const version: TopicVersion = {
    version: versions.reduce((max, v) => Math.max(max, v.version), 0) + 1,
    createdAt: now.toISOString(),
    ...extracted,
    sourceMessageId,
  };
  return { document: { activeVersion: version.version, versions: [...versions, version] }, version, added: true };
}

/** Reads a stored topics document; an unreadable one is refused rather than overwritten. */
export function parseTopicsDocument(body: Buffer, key: string): TopicsDocument {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    value = undefined;
  }
  const doc = value as Partial<TopicsDocument> | undefined;
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.versions) || typeof doc.activeVersion !== 'number') {
    throw new LeapError('TRANSCRIPTION.TOPICS_CORRUPT', `${key} is not a topics document; it is kept as it is`, { retryable: false, status: 422 });
  }
  return doc as TopicsDocument;
}
