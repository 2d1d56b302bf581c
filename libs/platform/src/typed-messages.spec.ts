import type { EntityManager } from 'typeorm';
import {
  catalog,
  MESSAGE_TYPES,
  ObjectKind,
  PipelineStage,
  validatePayload,
  type RecordingTrimmed,
  type TrimRecording,
} from '@leap/contracts';
import type { JobCommit } from '@leap/jobs';
import { MessageHandler, type MessageBus, type MessageContext } from '@leap/messaging';
import './typed-messages';

// The compiler is the test here: `npm run typecheck` fails when a line marked `@ts-expect-error`
// compiles, that is when a payload that does not match its message type is accepted. The
// functions below are never called; the runtime test checks that the examples are real.

const trimmed: RecordingTrimmed = {
  recordingId: '0192f0c8-7c4e-7a1b-9c3d-5e6f7a8b9c0d',
  userId: 'user-1',
  video: { key: 'users/user-1/recordings/r/processed/video.mp4', sizeBytes: '1048576', kind: ObjectKind.VIDEO },
  audio: { key: 'users/user-1/recordings/r/processed/audio.wav', sizeBytes: '65536', kind: ObjectKind.AUDIO },
};

export async function publishing(bus: MessageBus, manager: EntityManager, ctx: MessageContext<TrimRecording>): Promise<void> {
  await bus.publish(manager, MESSAGE_TYPES.media.RecordingTrimmed, trimmed, { subject: trimmed.recordingId });
  await ctx.publish(MESSAGE_TYPES.media.RecordingTrimmed, trimmed);
  await bus.send(manager, MESSAGE_TYPES.media.TrimRecording, ctx.data);
  await bus.publishNow(MESSAGE_TYPES.media.MediaProgress, { recordingId: ctx.data.recordingId, userId: ctx.data.userId, stage: PipelineStage.TRIM, percent: 50 });

  // @ts-expect-error the payload of another message type
  await bus.publish(manager, MESSAGE_TYPES.media.RecordingTrimmed, ctx.data);
  // @ts-expect-error a type no contract defines
  await bus.publish(manager, 'media.recording.trimmed.v9', trimmed);
  // @ts-expect-error a required field is missing
  await ctx.publish(MESSAGE_TYPES.media.RecordingTrimmed, { recordingId: trimmed.recordingId, userId: trimmed.userId });
  // @ts-expect-error a command with an event's payload
  await ctx.send(MESSAGE_TYPES.media.TrimRecording, trimmed);
  // @ts-expect-error progress with a percent that is not a number
  await bus.publishNow(MESSAGE_TYPES.media.MediaProgress, { recordingId: 'r', userId: 'u', stage: PipelineStage.TRIM, percent: '50' });
}

export async function requesting(bus: MessageBus): Promise<void> {
  const decision = await bus.request(MESSAGE_TYPES.quota.ReserveRecording, { userId: 'user-1', idempotencyKey: 'k' });
  const granted: boolean = decision.granted;
  void granted;

  // @ts-expect-error the query's payload lacks its idempotency key
  await bus.request(MESSAGE_TYPES.quota.ReserveRecording, { userId: 'user-1' });
  // @ts-expect-error the reply is a ReservationDecision, not a transcript
  const words: string[] = (await bus.request(MESSAGE_TYPES.quota.ReserveRecording, { userId: 'user-1', idempotencyKey: 'k' })).words;
  void words;
}

export const commits: JobCommit[] = [
  (ctx) => ctx.publish(MESSAGE_TYPES.media.RecordingTrimmed, trimmed),
  // @ts-expect-error what a job commits is checked like what a handler publishes
  (ctx) => ctx.publish(MESSAGE_TYPES.media.RecordingTrimmed, { recordingId: 'r' }),
];

export class Handlers {
  @MessageHandler(MESSAGE_TYPES.media.TrimRecording, { queue: 'media.trim' })
  async trim(ctx: MessageContext<TrimRecording>): Promise<void> {
    void ctx;
  }

  // @ts-expect-error the handler's context takes another message type's payload
  @MessageHandler(MESSAGE_TYPES.media.TrimRecording, { queue: 'media.trim' })
  async mismatched(ctx: MessageContext<RecordingTrimmed>): Promise<void> {
    void ctx;
  }

  // @ts-expect-error a handler for a type no contract defines
  @MessageHandler('media.recording.trim.v9', { queue: 'media.trim' })
  async unknown(ctx: MessageContext<TrimRecording>): Promise<void> {
    void ctx;
  }
}

describe('typed messages', () => {
  it('checks payloads against the same contracts the bus validates at run time', () => {
    expect(catalog.get(MESSAGE_TYPES.media.RecordingTrimmed)?.kind).toBe('event');
    expect(validatePayload(MESSAGE_TYPES.media.RecordingTrimmed, trimmed)).toEqual([]);
    expect(validatePayload(MESSAGE_TYPES.media.RecordingTrimmed, { recordingId: trimmed.recordingId, userId: trimmed.userId })).not.toEqual([]);
  });
});
