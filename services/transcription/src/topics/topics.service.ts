import { Inject, Injectable, Optional } from '@nestjs/common';
import { ObjectKind, TopicGranularity, type EditTopics, type ExtractTopics, type ObjectRef } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { RecordingObjectsRepository } from '../storage/recording-objects.repository';
import { parseMasterTranscript } from '../transcript/master-transcript';
import { TenantChatModels } from '../credentials/tenant-chat-models';
import { LlmTopicExtractor } from './llm/llm-topics';
import { extractTopics, type ExtractedTopics, type Granularity } from './topic-extraction';
import { addTopicVersion, parseTopicsDocument, type TopicVersion } from './topics-document';
import { editActiveVersion } from './topics-edit';

const GRANULARITY: Readonly<Record<string, Granularity>> = {
  [TopicGranularity.SHORT]: 'short',
  [TopicGranularity.MEDIUM]: 'medium',
  [TopicGranularity.LONG]: 'long',
};

/** The language-model extractor, when LLM_API_KEY is set; topics are extractive without it (or the user's own chat model, `TenantChatModels`). */
export const LLM_TOPICS = Symbol('transcription:llm-topics');

/**
 * Stage 4: extracts topics, a summary and questions from the master transcript (through the chat
 * model when one is configured, from the transcript alone otherwise) and adds them to
 * `transcription/topics.json` as a new active version. The version remembers the command's
 * message id, so a redelivered command finds it instead of adding another.
 */
@Injectable()
export class TopicsService {
  constructor(
    private readonly objects: RecordingObjectsRepository,
    @Optional() @Inject(LLM_TOPICS) private readonly llm?: LlmTopicExtractor | null,
    @Optional() private readonly chats?: TenantChatModels,
  ) {}

  /** The user's own chat model when they set one, else the server's (LLM_*), else none. */
  private async extractorFor(userId: string): Promise<LlmTopicExtractor | null> {
    if (!this.chats) return this.llm ?? null;
    const chat = await this.chats.forUser(userId);
    return chat ? new LlmTopicExtractor(chat) : null;
  }

  async extract(command: ExtractTopics, messageId: string, now: Date = new Date(), signal?: AbortSignal): Promise<{ ref: ObjectRef; version: TopicVersion }> {
    const keys = this.objects.keys(command.userId, command.recordingId);
    this.objects.assertOwned(command.transcript.key, command.userId, command.recordingId);
    const master = parseMasterTranscript(await this.objects.read(command.transcript.key), command.transcript.key);
    if (!master.segments.some((s) => s.text.trim())) {
      throw new LeapError('TRANSCRIPTION.NO_SPEECH', `${command.transcript.key} has no speech to extract topics from`, { retryable: false, status: 422 });
    }
    const existing = await this.objects.readOptional(keys.topics);
    const current = existing ? parseTopicsDocument(existing, keys.topics) : undefined;
    // A redelivered command finds its version before anything is asked of the model again.
    const already = current?.versions.find((v) => v.sourceMessageId === messageId);
    if (already) return { ref: await this.objects.write(keys.topics, JSON.stringify(current, null, 2), 'application/json', ObjectKind.TOPICS), version: already };
    const options = { granularity: GRANULARITY[command.granularity ?? ''] ?? 'medium', questionsCount: command.questionsCount, language: command.language };
    let extracted: ExtractedTopics;
    const llm = await this.extractorFor(command.userId);
    if (llm) {
      const { topics, usage } = await llm.extract(master, { ...options, signal });
      extracted = { ...topics, method: 'llm', model: llm.model, usage: { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens } };
    } else {
      extracted = { ...extractTopics(master, options), method: 'extractive' };
    }
    const { document, version } = addTopicVersion(current, extracted, messageId, now);
    const ref = await this.objects.write(keys.topics, JSON.stringify(document, null, 2), 'application/json', ObjectKind.TOPICS);
    return { ref, version };
  }

  /** A hand edit of the active version (`TRANSCRIPTION.TOPICS_MISSING` when there are no topics yet). */
  async edit(query: EditTopics, now: Date = new Date()): Promise<{ ref: ObjectRef; version: TopicVersion }> {
    const keys = this.objects.keys(query.userId, query.recordingId);
    const existing = await this.objects.readOptional(keys.topics);
    if (!existing) throw new LeapError('TRANSCRIPTION.TOPICS_MISSING', `Recording ${query.recordingId} has no topics yet`, { retryable: false, status: 404 });
    const { document, version } = editActiveVersion(parseTopicsDocument(existing, keys.topics), query, now);
    const ref = await this.objects.write(keys.topics, JSON.stringify(document, null, 2), 'application/json', ObjectKind.TOPICS);
    return { ref, version };
  }
}
