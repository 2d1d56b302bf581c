import type { ServiceDefinition } from '@leap/platform';
import { gatewayService } from '@leap/gateway-service';
import { ingestService } from '@leap/ingest-service';
import { mediaProcessingService } from '@leap/media-processing-service';
import { transcriptionService } from '@leap/transcription-service';
import { publishingService } from '@leap/publishing-service';
import { storageService } from '@leap/storage-service';
import { quotaService } from '@leap/quota-service';

/** The seven services, in start order (the gateway last: it takes traffic when the rest is up). */
export const platformServices: ServiceDefinition[] = [
  storageService,
  quotaService,
  mediaProcessingService,
  transcriptionService,
  publishingService,
  ingestService,
  gatewayService,
];
