import {
  catalog,
  MESSAGE_TYPES,
  ObjectKind,
  PipelineStage,
  RecordingStatus,
  type EventType,
  type MessagePayloads,
  type MessageType,
  type PayloadOf,
  type QueryType,
  type ReplyOf,
} from './index';

/** A typed producer, as the services wrap the bus: the payload type follows the message type. */
function problemsOf<T extends MessageType>(type: T, data: PayloadOf<T>): string[] {
  return catalog.getOrThrow(type).validate(data);
}

function replyProblems<Q extends QueryType>(query: Q, reply: ReplyOf<Q>): string[] {
  return catalog.getOrThrow(catalog.getOrThrow(query).replyType!).validate(reply);
}

describe('typed payloads from the package entry point', () => {
  it('ties each message type to its payload interface', () => {
    expect(
      problemsOf('media.processing.failed.v1', {
        recordingId: 'r',
        userId: 'u',
        stage: PipelineStage.TRIM,
        error: { code: 'MEDIA.FFMPEG_FAILED', message: 'ffmpeg exited with 1', retryable: true },
      }),
    ).toEqual([]);
    expect(
      problemsOf(MESSAGE_TYPES.ingest.RecordingStatusChanged, {
        recordingId: 'r',
        userId: 'u',
        status: RecordingStatus.PROCESSING,
        previousStatus: RecordingStatus.DOWNLOADED,
        changedAt: '2025-01-31T12:00:00Z',
      }),
    ).toEqual([]);
    // @ts-expect-error sizeBytes is an int64: a decimal string in the proto3 JSON mapping.
    const wrongSize: PayloadOf<'storage.object.stored.v1'> = { object: { key: 'k', sizeBytes: 12, kind: ObjectKind.SOURCE } };
    expect(problemsOf('storage.object.stored.v1', wrongSize)).toEqual([]);
    // @ts-expect-error enums are value names, not numbers.
    const wrongStage: PayloadOf<'media.progress.v1'> = { recordingId: 'r', userId: 'u', stage: 2 };
    expect(problemsOf('media.progress.v1', wrongStage)).toEqual([
      'stage: expected leap.common.v1.PipelineStage value name (PIPELINE_STAGE_UNSPECIFIED, PIPELINE_STAGE_DOWNLOAD, PIPELINE_STAGE_TRIM, PIPELINE_STAGE_TRANSCRIBE, PIPELINE_STAGE_EXTRACT_TOPICS, PIPELINE_STAGE_GENERATE_SUBTITLES, PIPELINE_STAGE_UPLOAD), got 2',
    ]);
    // @ts-expect-error required fields are required in the types too.
    const missing: MessagePayloads['gateway.user.registered.v1'] = { userId: 'u', registeredAt: '2025-01-31T12:00:00Z' };
    expect(problemsOf('gateway.user.registered.v1', missing)).toEqual(['email: required field is missing']);
  });

  it('types the reply of a query', () => {
    expect(replyProblems('quota.recording.reserve.v1', { granted: true, reservationId: 'res-1', used: '3', limit: '50', period: '2025-01' })).toEqual([]);
    expect(replyProblems('quota.recording.reserve.v1', { granted: false, retryAfterSeconds: 3600, metric: 'QUOTA_METRIC_RECORDINGS' })).toEqual([]);
  });

  it('lists event types apart from the others', () => {
    const events: EventType[] = catalog
      .all()
      .filter((d) => d.role === 'event')
      .map((d) => d.type as EventType);
    // @ts-expect-error a command is not an event type.
    const notAnEvent: EventType = 'media.recording.trim.v1';
    expect(events).toContain('media.recording.trimmed.v1');
    expect(events).not.toContain(notAnEvent);
  });
});
