/**
 * Two services with a poison message each for the dead-letter specs: stand-ins of media-processing
 * and transcription whose handlers refuse every command (a fault that is not retryable, so the
 * message is parked at once) until the test "fixes" them, and then record each command they handle.
 */
import { Injectable, Module } from '@nestjs/common';
import { LeapError } from '@leap/errors';
import { MessageBus, MessageHandler, type MessageContext } from '@leap/messaging';
import { MESSAGE_TYPES, type TranscribeRecording, type TrimRecording } from '@leap/contracts';
import type { ServiceWorld } from '@leap/service-testing';
import { standInService } from '../../testing';

export interface PoisonServices {
  /** Whether the handlers still fail. */
  broken: boolean;
  /** Recording ids handled once fixed, per queue, in order. */
  handled: Record<'media.trim' | 'transcription.transcribe', string[]>;
  start(world: ServiceWorld): Promise<void>;
  /** Sends a trim and a transcribe command for `recordingId` through `bus`. */
  send(bus: MessageBus, recordingId: string): Promise<void>;
}

export function poisonServices(): PoisonServices {
  const state: PoisonServices = {
    broken: true,
    handled: { 'media.trim': [], 'transcription.transcribe': [] },
    async start(world) {
      await world.start(standInService('media-processing', 'media.trim', [MESSAGE_TYPES.media.TrimRecording], TrimModule));
      await world.start(standInService('transcription', 'transcription.transcribe', [MESSAGE_TYPES.transcription.TranscribeRecording], TranscribeModule));
    },
    async send(bus, recordingId) {
      const object = { key: `users/u/recordings/${recordingId}/source.mp4`, sizeBytes: '10', kind: 'OBJECT_KIND_SOURCE' };
      await bus.publishNow(MESSAGE_TYPES.media.TrimRecording, { recordingId, userId: recordingId, source: object } as TrimRecording, { subject: recordingId });
      await bus.publishNow(MESSAGE_TYPES.transcription.TranscribeRecording, { recordingId, userId: recordingId, media: object } as TranscribeRecording, {
        subject: recordingId,
      });
    },
  };

  @Injectable()
  class Trimmer {
    @MessageHandler(MESSAGE_TYPES.media.TrimRecording, { queue: 'media.trim' })
    async handle(ctx: MessageContext<TrimRecording>): Promise<void> {
      if (state.broken) throw new LeapError('MEDIA.FFMPEG_FAILED', `ffmpeg exited with code 1 on ${ctx.data.recordingId}`, { retryable: false });
      state.handled['media.trim'].push(ctx.data.recordingId);
    }
  }

  @Injectable()
  class Transcriber {
    @MessageHandler(MESSAGE_TYPES.transcription.TranscribeRecording, { queue: 'transcription.transcribe' })
    async handle(ctx: MessageContext<TranscribeRecording>): Promise<void> {
      if (state.broken) throw new LeapError('TRANSCRIPTION.PROVIDER_REFUSED', `The provider refused ${ctx.data.recordingId}: quota exceeded`, { retryable: false });
      state.handled['transcription.transcribe'].push(ctx.data.recordingId);
    }
  }

  @Module({ providers: [Trimmer] })
  class TrimModule {}

  @Module({ providers: [Transcriber] })
  class TranscribeModule {}

  return state;
}
