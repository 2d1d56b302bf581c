import { Module } from '@nestjs/common';
import { OutboundHttp, OutboundPolicy } from '@leap/outbound';
import { SERVICE_CONFIG } from '@leap/platform';
import { YandexDiskClient } from '@leap/yandex-disk';
import { AutomationRepository } from './automation/automation.repository';
import { AutomationConsumer } from './automation/automation.consumer';
import { AutomationScheduler } from './automation/automation.scheduler';
import { AutomationService } from './automation/automation.service';
import { Clock } from './clock.service';
import type { IngestConfig } from './config/config.schema';
import { BulkControlConsumer } from './control/bulk/bulk-control.consumer';
import { BulkControlService } from './control/bulk/bulk-control.service';
import { PipelineControlConsumer } from './control/pipeline-control.consumer';
import { PipelineControlService } from './control/pipeline-control.service';
import { DownloadConsumer } from './download/download.consumer';
import { DOWNLOAD_LIMITS, DownloadService, HTTP_FETCHER, YTDLP_FETCHER } from './download/download.service';
import { HttpOriginalFetcher } from './download/http-original-fetcher';
import { HttpTransfer } from './download/http-transfer';
import { PartialDownloads } from './download/partial-download';
import { RecordingSourceRepository } from './download/recording-source.repository';
import { YtDlpOriginalFetcher } from './download/ytdlp-original-fetcher';
import { AddUrlService } from './imports/add-url.service';
import { ImportsConsumer } from './imports/imports.consumer';
import { PlaylistService } from './imports/playlist.service';
import { YtDlp } from './ytdlp/ytdlp.client';
import { PipelineConsumer } from './pipeline/pipeline.consumer';
import { LifecycleConsumer } from './lifecycle/lifecycle.consumer';
import { LifecycleService } from './lifecycle/lifecycle.service';
import { RetentionSweep } from './lifecycle/retention.sweep';
import { PipelineService } from './pipeline/pipeline.service';
import { ProcessingHolds } from './pipeline/processing-holds';
import { StuckStagesSweep } from './pipeline/stuck-stages.sweep';
import { RecordingRepository } from './recordings/recording.repository';
import { RecordingsConsumer } from './recordings/recordings.consumer';
import { YandexDiskAccounts, YandexDiskAdapter, YandexDiskSource } from './sources/yandex-disk';
import { SourceCredentialVault } from './credentials/source-credential-vault';
import { SOURCE_ADAPTERS, type SourceAdapter } from './sources/source-adapter';
import { SourceSyncService } from './sources/source-sync.service';
import { SourcesConsumer } from './sources/sources.consumer';
import { SourcesRepository } from './sources/sources.repository';
import { SourcesService } from './sources/sources.service';
import { VideoUrlAdapter } from './sources/video-url.adapter';
import { downloadAuthorizer } from './sources/download-auth';
import { YandexDiskBrowseConsumer } from './sources/yandex-disk/yandex-disk-browse.consumer';
import { ZoomAdapter } from './sources/zoom/zoom.adapter';
import { ZoomClient } from './sources/zoom/zoom.client';
import { ZoomWebhookConsumer } from './sources/zoom/zoom-webhook.consumer';
import { ZoomWebhookService } from './sources/zoom/zoom-webhook.service';
import { DataSource } from 'typeorm';
import { SourceCredentialsConsumer } from './credentials/source-credentials.consumer';
import { SourceCredentialsRepository } from './credentials/source-credentials.repository';
import { SOURCE_CREDENTIAL_VAULT, SourceCredentialsService } from './credentials/source-credentials.service';
import { TemplatesConsumer } from './templates/templates.consumer';
import { TemplatesRepository } from './templates/templates.repository';
import { RunLayersService } from './templates/run-layers.service';
import { TemplatesService } from './templates/templates.service';

/**
 * The recording aggregate, the pipeline process manager, the owner's control over it (pause,
 * run), its lifecycle (delete, restore, retention), and the DOWNLOAD stage with the outbound
 * address guard every fetch goes through.
 */
@Module({
  providers: [
    Clock,
    RecordingRepository,
    RecordingSourceRepository,
    PipelineService,
    ProcessingHolds,
    RecordingsConsumer,
    PipelineConsumer,
    PipelineControlService,
    PipelineControlConsumer,
    BulkControlService,
    BulkControlConsumer,
    LifecycleService,
    LifecycleConsumer,
    RetentionSweep,
    StuckStagesSweep,
    { provide: OutboundPolicy, inject: [SERVICE_CONFIG], useFactory: (config: IngestConfig) => new OutboundPolicy({ allowedHosts: config.OUTBOUND_ALLOWED_HOSTS ?? '' }) },
    { provide: OutboundHttp, inject: [OutboundPolicy], useFactory: (policy: OutboundPolicy) => new OutboundHttp(policy) },
    {
      provide: PartialDownloads,
      inject: [SERVICE_CONFIG],
      useFactory: (config: IngestConfig) => new PartialDownloads(config.INGEST_DOWNLOAD_DIR, config.INGEST_DOWNLOAD_PARTIAL_TTL),
    },
    {
      provide: ZoomClient,
      inject: [SERVICE_CONFIG, SourceCredentialsRepository, SOURCE_CREDENTIAL_VAULT],
      useFactory: (config: IngestConfig, credentials: SourceCredentialsRepository, vault: SourceCredentialVault) =>
        new ZoomClient(
          { apiBaseUrl: config.ZOOM_API_BASE_URL, oauthBaseUrl: config.ZOOM_OAUTH_BASE_URL, clientId: config.ZOOM_CLIENT_ID, clientSecret: config.ZOOM_CLIENT_SECRET },
          credentials,
          vault,
        ),
    },
    { provide: ZoomAdapter, inject: [ZoomClient, SourceCredentialsRepository], useFactory: (zoom: ZoomClient, credentials: SourceCredentialsRepository) => new ZoomAdapter(zoom, credentials) },
    {
      provide: HTTP_FETCHER,
      inject: [OutboundHttp, PartialDownloads, DataSource, SourceCredentialsRepository, ZoomClient, YandexDiskSource, YandexDiskAccounts],
      useFactory: (http: OutboundHttp, partials: PartialDownloads, db: DataSource, credentials: SourceCredentialsRepository, zoom: ZoomClient, disk: YandexDiskSource, accounts: YandexDiskAccounts) =>
        new HttpOriginalFetcher(new HttpTransfer(http, partials), partials, downloadAuthorizer(db, credentials, zoom, { disk, accounts })),
    },
    { provide: YtDlp, inject: [SERVICE_CONFIG, OutboundPolicy], useFactory: (config: IngestConfig, policy: OutboundPolicy) => new YtDlp({ policy, binary: config.YTDLP_PATH }) },
    {
      provide: YTDLP_FETCHER,
      inject: [SERVICE_CONFIG, YtDlp],
      useFactory: (config: IngestConfig, ytdlp: YtDlp) => new YtDlpOriginalFetcher(ytdlp, config.INGEST_DOWNLOAD_DIR),
    },
    { provide: DOWNLOAD_LIMITS, inject: [SERVICE_CONFIG], useFactory: (config: IngestConfig) => ({ maxBytes: config.INGEST_DOWNLOAD_MAX_BYTES }) },
    DownloadService,
    DownloadConsumer,
    AddUrlService,
    PlaylistService,
    ImportsConsumer,
    // Yandex Disk as a source: the client (connecting accounts, listing, downloading), its listing and hrefs, the accounts of its credentials, and the sync's adapter.
    {
      provide: YandexDiskAccounts,
      inject: [SourceCredentialsRepository, SOURCE_CREDENTIAL_VAULT],
      useFactory: (credentials: SourceCredentialsRepository, vault: SourceCredentialVault) => new YandexDiskAccounts(credentials, vault),
    },
    {
      provide: YandexDiskAdapter,
      inject: [YandexDiskSource, YandexDiskAccounts],
      useFactory: (disk: YandexDiskSource, accounts: YandexDiskAccounts) => new YandexDiskAdapter(disk, accounts),
    },
    YandexDiskBrowseConsumer,
    {
      provide: YandexDiskClient,
      inject: [SERVICE_CONFIG, OutboundHttp],
      useFactory: (config: IngestConfig, http: OutboundHttp) =>
        new YandexDiskClient(
          { apiBaseUrl: config.YANDEX_DISK_API_BASE_URL, oauthBaseUrl: config.YANDEX_OAUTH_BASE_URL, clientId: config.YANDEX_CLIENT_ID, clientSecret: config.YANDEX_CLIENT_SECRET },
          http,
        ),
    },
    { provide: YandexDiskSource, inject: [YandexDiskClient], useFactory: (client: YandexDiskClient) => new YandexDiskSource(client) },
    SourceCredentialsRepository,
    SourceCredentialsService,
    SourceCredentialsConsumer,
    SourcesRepository,
    SourcesService,
    SourceSyncService,
    SourcesConsumer,
    ZoomWebhookService,
    ZoomWebhookConsumer,
    TemplatesRepository,
    TemplatesService,
    RunLayersService,
    TemplatesConsumer,
    VideoUrlAdapter,
    AutomationRepository,
    AutomationService,
    AutomationScheduler,
    AutomationConsumer,
    // Each platform's lister.
    { provide: SOURCE_ADAPTERS, inject: [VideoUrlAdapter, ZoomAdapter, YandexDiskAdapter], useFactory: (...adapters: SourceAdapter[]) => adapters },
    { provide: SOURCE_CREDENTIAL_VAULT, inject: [SERVICE_CONFIG], useFactory: (config: IngestConfig) => new SourceCredentialVault(config) },
  ],
})
export class IngestModule {}
