import { Injectable } from '@nestjs/common';
import { ObjectKind, TopicGranularity, type ExtractTopics, type ObjectRef } from '@leap/contracts';
import { LeapError } from '@leap/messaging';
import { RecordingObjectsRepository } from '../storage/recording-objects.repository';
import { parseMasterTranscript } from '../transcript/master-transcript';
import { extractTopics, type Granularity } from './topic-extraction';
import { addTopicVersion, parseTopicsDocument, type TopicVersion } from './topics-document';

const GRANULARITY: Readonly<Record<string, Granularity>> = {
  [TopicGranularity.SHORT]: 'short',
  [TopicGranularity.MEDIUM]: 'medium',
  [TopicGranularity.LONG]: 'long',
};

/**
 * Stage 4: extracts topics, a summary and questions from the master transcript and adds them to
 * `transcription/topics.json` as a new active version. The version remembers the command's message
 * id, so a redelivered command finds it instead of adding another.
 */
@Injectable()
export class TopicsService {
  constructor(private readonly objects: RecordingObjectsRepository) {}

  async extract(command: ExtractTopics, messageId: string, now: Date = new Date()): Promise<{ ref: ObjectRef; version: TopicVersion }> {
    const keys = this.objects.keys(command.userId, command.recordingId);
    this.objects.assertOwned(command.transcript.key, command.userId, command.recordingId);
    const master = parseMasterTranscript(await this.objects.read(command.transcript.key), command.transcript.key);
    if (!master.segments.some((s) => s.text.trim())) {
      throw new LeapError('TRANSCRIPTION.NO_SPEECH', `${command.transcript.key} has no speech to extract topics from`, { retryable: false, status: 422 });
    }
    const extracted = extractTopics(master, {
      granularity: GRANULARITY[command.granularity ?? ''] ?? 'medium',
      questionsCount: command.questionsCount,
      language: command.language,
    });
    const existing = await this.objects.readOptional(keys.topics);
    const current = existing ? parseTopicsDocument(existing, keys.topics) : undefined;
    const { document, version } = addTopicVersion(current, extracted, messageId, now);
    const ref = await this.objects.write(keys.topics, JSON.stringify(document, null, 2), 'application/json', ObjectKind.TOPICS);
    return { ref, version };
  }
}
