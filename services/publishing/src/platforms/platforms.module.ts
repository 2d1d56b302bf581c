import { Module } from '@nestjs/common';
import { OutboundHttp, OutboundPolicy } from '@leap/outbound';
import { SERVICE_CONFIG } from '@leap/platform';
import { YandexDiskClient } from '@leap/yandex-disk';
import type { PublishingConfig } from '../config/config.schema';
import { PlatformGate } from './platform-gate';
import { VkClient } from './vk/vk.client';
import { YANDEX_DISK_CLIENT, YandexDiskPublisher } from './yandex-disk/yandex-disk.publisher';
import { VK_CLIENT, VkPublisher } from './vk/vk.publisher';
import { YoutubeClient } from './youtube/youtube.client';
import { YOUTUBE_CLIENT, YoutubePublisher } from './youtube/youtube.publisher';

/** Each platform's gate: its accounts' rate limits and circuits. */
export interface PlatformGates {
  youtube: PlatformGate;
  vk_video: PlatformGate;
}
export const PLATFORM_GATES = Symbol('PLATFORM_GATES');

export function platformGates(c: PublishingConfig): PlatformGates {
  const breaker = { failureThreshold: c.PLATFORM_BREAKER_THRESHOLD, cooldownMs: c.PLATFORM_BREAKER_COOLDOWN, maxWaitMs: c.PLATFORM_BREAKER_MAX_WAIT };
  const burst = (rate: number) => Math.max(1, Math.floor(rate));
  return {
    youtube: new PlatformGate('YouTube', { requestsPerSecond: c.YOUTUBE_REQUESTS_PER_SECOND, burst: burst(c.YOUTUBE_REQUESTS_PER_SECOND), ...breaker }),
    vk_video: new PlatformGate('VK', { requestsPerSecond: c.VK_REQUESTS_PER_SECOND, burst: burst(c.VK_REQUESTS_PER_SECOND), ...breaker }),
  };
}

/** The platforms' clients (base URLs from the settings), their publishers, and the per-account gates. */
@Module({
  providers: [
    YoutubePublisher,
    VkPublisher,
    YandexDiskPublisher,
    {
      provide: YOUTUBE_CLIENT,
      inject: [SERVICE_CONFIG],
      useFactory: (c: PublishingConfig) =>
        new YoutubeClient({
          apiBaseUrl: c.YOUTUBE_API_BASE_URL,
          uploadBaseUrl: c.YOUTUBE_UPLOAD_BASE_URL,
          oauthBaseUrl: c.GOOGLE_OAUTH_BASE_URL,
          clientId: c.GOOGLE_CLIENT_ID,
          clientSecret: c.GOOGLE_CLIENT_SECRET,
        }),
    },
    {
      provide: VK_CLIENT,
      inject: [SERVICE_CONFIG],
      useFactory: (c: PublishingConfig) => new VkClient({ apiBaseUrl: c.VK_API_BASE_URL, idBaseUrl: c.VK_ID_BASE_URL, clientId: c.VK_CLIENT_ID, apiVersion: c.VK_API_VERSION }),
    },
    {
      provide: YANDEX_DISK_CLIENT,
      inject: [SERVICE_CONFIG],
      useFactory: (c: PublishingConfig) =>
        new YandexDiskClient(
          { apiBaseUrl: c.YANDEX_DISK_API_BASE_URL, oauthBaseUrl: c.YANDEX_OAUTH_BASE_URL, clientId: c.YANDEX_CLIENT_ID, clientSecret: c.YANDEX_CLIENT_SECRET },
          new OutboundHttp(new OutboundPolicy({ allowedHosts: c.OUTBOUND_ALLOWED_HOSTS ?? '' })),
        ),
    },
    { provide: PLATFORM_GATES, inject: [SERVICE_CONFIG], useFactory: platformGates },
  ],
  exports: [YoutubePublisher, VkPublisher, YandexDiskPublisher, YOUTUBE_CLIENT, VK_CLIENT, YANDEX_DISK_CLIENT, PLATFORM_GATES],
})
export class PlatformsModule {}
