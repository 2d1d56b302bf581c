import { randomUUID } from 'node:crypto';
import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import { baseConfigSchema } from '@leap/config';
import {
  MESSAGE_TYPES,
  ObjectKind,
  type ObjectRef,
  type PublicationRetracted,
  type PublishingFailed,
  type RecordingPublished,
} from '@leap/contracts';
import { MessageHandler, type MessageBus, type MessageContext } from '@leap/messaging';
import type { ServiceDefinition } from '@leap/platform';
import { parseKeyring } from '@leap/secrets';
import type { ObjectStore } from '@leap/storage-client';

/** What publishing told the peer, in order of arrival (one set per test file: jest gives each file its own modules). */
export const observed = {
  published: [] as RecordingPublished[],
  failed: [] as PublishingFailed[],
  retracted: [] as PublicationRetracted[],
};

const WATCH_QUEUE = 'ingest.publishing-watch';

/** Plays ingest for publishing's tests: notes what publishing publishes about the targets. */
@Injectable()
class PublishingWatcher {
  @MessageHandler(MESSAGE_TYPES.publishing.RecordingPublished, { queue: WATCH_QUEUE })
  async published(ctx: MessageContext<RecordingPublished>): Promise<void> {
    observed.published.push(ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.publishing.PublishingFailed, { queue: WATCH_QUEUE })
  async failed(ctx: MessageContext<PublishingFailed>): Promise<void> {
    observed.failed.push(ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.publishing.PublicationRetracted, { queue: WATCH_QUEUE })
  async retracted(ctx: MessageContext<PublicationRetracted>): Promise<void> {
    observed.retracted.push(ctx.data);
  }
}

@Module({ providers: [PublishingWatcher] })
class PublishingWatcherModule {}

/** The peer as a service a test world starts beside publishing; its bus sends publishing's commands and queries. */
export const publishingPeer: ServiceDefinition = {
  name: 'ingest',
  configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }),
  consumers: [
    {
      queue: WATCH_QUEUE,
      types: [MESSAGE_TYPES.publishing.RecordingPublished, MESSAGE_TYPES.publishing.PublishingFailed, MESSAGE_TYPES.publishing.PublicationRetracted],
    },
  ],
  imports: [PublishingWatcherModule],
};

/** A credential made as the gateway makes it: the tokens sealed for transit with `transitKeyring`; answers its id. */
export async function sealedCredential(
  bus: MessageBus,
  options: { userId: string; platform: 'youtube' | 'vk_video' | 'yandex_disk'; tokens: { accessToken: string; refreshToken?: string }; accountName: string; transitKeyring: string },
): Promise<string> {
  const sealedTokens = parseKeyring(options.transitKeyring).encryptJson(options.tokens, `credential-transit:${options.userId}`);
  const reply = await bus.request(
    MESSAGE_TYPES.publishing.CreateCredential,
    { userId: options.userId, platform: options.platform, accountName: options.accountName, sealedTokens },
    { tenant: options.userId },
  );
  return reply.credential.id;
}

/** A preset of the user's for `platform` with `metadata`; answers its id. */
export async function createPreset(bus: MessageBus, userId: string, platform: string, credentialId: string, metadata: Record<string, unknown>): Promise<string> {
  const reply = await bus.request(MESSAGE_TYPES.publishing.CreatePreset, { userId, name: `${platform} ${randomUUID()}`, platform, credentialId, metadata }, { tenant: userId });
  return reply.preset.id;
}

/** Puts `content` in the store and answers its object reference. */
export async function storedObject(store: ObjectStore, key: string, content: string | Buffer, kind: ObjectKind, contentType: string): Promise<ObjectRef> {
  const stored = await store.put(key, content, { contentType });
  return { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType, kind };
}
