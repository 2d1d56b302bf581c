import { Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  type AutomationLimitsFound,
  type CheckUsage,
  type PipelineStarted,
  type RecordingTranscribed,
  type GetAutomationLimits,
  type RecordingRegistered,
  type ReleaseReservation,
  type ReservationDecision,
  type ReserveRecording,
  type StorageUsageChanged,
  type UsageChecked,
} from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { AdmissionService } from './admission.service';

export const QUOTA_ADMISSION_QUEUE = 'quota.admission';
export const QUOTA_USAGE_QUEUE = 'quota.usage';
export const QUOTA_RESERVATIONS_QUEUE = 'quota.reservations';

/** Admission queries, reservation commands and the usage events quota counts. */
@Injectable()
export class QuotaConsumer {
  constructor(private readonly admission: AdmissionService) {}

  @MessageHandler(MESSAGE_TYPES.quota.ReserveRecording, { queue: QUOTA_ADMISSION_QUEUE })
  reserve(ctx: MessageContext<ReserveRecording>): Promise<ReservationDecision> {
    return this.admission.reserve(ctx, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.quota.GetAutomationLimits, { queue: QUOTA_ADMISSION_QUEUE })
  automationLimits(ctx: MessageContext<GetAutomationLimits>): Promise<AutomationLimitsFound> {
    return this.admission.automationLimits(ctx, ctx.data.userId);
  }

  @MessageHandler(MESSAGE_TYPES.quota.CheckUsage, { queue: QUOTA_ADMISSION_QUEUE })
  checkUsage(ctx: MessageContext<CheckUsage>): Promise<UsageChecked> {
    return this.admission.checkUsage(ctx, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.quota.ReleaseReservation, { queue: QUOTA_RESERVATIONS_QUEUE })
  release(ctx: MessageContext<ReleaseReservation>): Promise<void> {
    return this.admission.release(ctx, ctx.data.reservationId, ctx.data.userId, ctx.data.reason);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingRegistered, { queue: QUOTA_USAGE_QUEUE })
  registered(ctx: MessageContext<RecordingRegistered>): Promise<void> {
    return this.admission.commit(ctx, ctx.data.reservationId, ctx.data.userId, ctx.data.recordingId);
  }

  @MessageHandler(MESSAGE_TYPES.storage.StorageUsageChanged, { queue: QUOTA_USAGE_QUEUE })
  storageChanged(ctx: MessageContext<StorageUsageChanged>): Promise<void> {
    return this.admission.recordStorage(ctx, ctx.data.userId, ctx.data.totalBytes);
  }

  @MessageHandler(MESSAGE_TYPES.transcription.RecordingTranscribed, { queue: QUOTA_USAGE_QUEUE })
  transcribed(ctx: MessageContext<RecordingTranscribed>): Promise<void> {
    return this.admission.recordTranscription(ctx, ctx.data.userId, ctx.data.recordingId);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.PipelineStarted, { queue: QUOTA_USAGE_QUEUE })
  pipelineStarted(ctx: MessageContext<PipelineStarted>): Promise<void> {
    return this.admission.recordPipelineStart(ctx, ctx.data);
  }
}
