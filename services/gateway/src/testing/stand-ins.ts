/**
 * In-process stand-ins of the services the gateway talks to over the bus (ingest, quota): each
 * records what the gateway sends it, or answers it the way the spec says.
 */
import { Injectable, Module, type Type } from '@nestjs/common';
import { z } from 'zod';
import { baseConfigSchema } from '@leap/config';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import type { ServiceDefinition } from '@leap/platform';
import type { ReleaseReservation, ReservationDecision, ReserveRecording } from '@leap/contracts';

const standInSchema = baseConfigSchema.extend({ PORT: z.coerce.number().default(0) });

/** A service named `name` whose handlers (in `module`) consume the message `types` from `queue`. */
export function standInService(name: string, queue: string, types: string[], module: Type<unknown>): ServiceDefinition {
  return { name, configSchema: standInSchema, consumers: [{ queue, types }], imports: [module] };
}

/** Stands in for ingest: hands every command the gateway sends it (register an upload, delete) to `onCommand`. */
export function ingestStandIn(onCommand: (ctx: MessageContext<any>) => void): ServiceDefinition {
  @Injectable()
  class IngestCommandsProbe {
    @MessageHandler('ingest.recording.register-uploaded.v1', { queue: 'ingest.commands' })
    async registerUploaded(ctx: MessageContext<unknown>): Promise<void> {
      onCommand(ctx);
    }

    @MessageHandler('ingest.recording.delete.v1', { queue: 'ingest.commands' })
    async delete(ctx: MessageContext<unknown>): Promise<void> {
      onCommand(ctx);
    }
  }

  @Module({ providers: [IngestCommandsProbe] })
  class IngestProbeModule {}

  return standInService('ingest', 'ingest.commands', ['ingest.recording.register-uploaded.v1', 'ingest.recording.delete.v1'], IngestProbeModule);
}

/** Stands in for quota: `reserve` decides every reservation the gateway asks for; `release` sees every release. */
export function quotaStandIn(handlers: { reserve: (ask: ReserveRecording) => ReservationDecision; release: (release: ReleaseReservation) => void }): ServiceDefinition {
  @Injectable()
  class FakeQuota {
    @MessageHandler('quota.recording.reserve.v1', { queue: 'quota.admission' })
    async reserve(ctx: MessageContext<ReserveRecording>): Promise<ReservationDecision> {
      return handlers.reserve(ctx.data);
    }

    @MessageHandler('quota.reservation.release.v1', { queue: 'quota.admission' })
    async release(ctx: MessageContext<ReleaseReservation>): Promise<void> {
      handlers.release(ctx.data);
    }
  }

  @Module({ providers: [FakeQuota] })
  class FakeQuotaModule {}

  return standInService('quota', 'quota.admission', ['quota.recording.reserve.v1', 'quota.reservation.release.v1'], FakeQuotaModule);
}
