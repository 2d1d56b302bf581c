import { Inject, Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type PayloadOf, type PlatformCredential, type QueryType, type ReplyOf, type SourceCredentialCreated } from '@leap/contracts';
import { LeapError, MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { parseKeyring, type Keyring } from '@leap/secrets';
import type { Logger } from 'winston';
import { offsetOf, pageOf, type Page } from '../common/pagination';
import type { GatewayConfig } from '../config/config.schema';
import { PublishingClient } from '../publishing/publishing.client';
import {
  CREDENTIAL_PLATFORMS,
  type CreateCredentialDto,
  type CredentialPlatform,
  type CredentialView,
  type UpdateCredentialDto,
  type YandexDiskBrowseQuery,
  type YandexDiskEntryView,
  checkUpdateFields,
} from './credentials.dto';
import { validationError } from '../common/problem-details';

type SourceCredential = SourceCredentialCreated['credential'];

export interface CredentialListQuery {
  page: number;
  pageSize: number;
  platform?: CredentialPlatform[];
  search?: string;
  isActive?: boolean;
}

/**
 * The credentials API over the services that own them: Zoom and Yandex Disk sources in ingest,
 * the upload platforms in publishing. Fields are sealed here with the transit keyring before they
 * go on the bus; answers carry masked hints only.
 */
@Injectable()
export class CredentialsService {
  private readonly transit?: Keyring;

  constructor(
    private readonly publishing: PublishingClient,
    private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'CREDENTIALS_TRANSIT_KEYRING' | 'INGEST_REQUEST_TIMEOUT'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    this.transit = config.CREDENTIALS_TRANSIT_KEYRING ? parseKeyring(config.CREDENTIALS_TRANSIT_KEYRING) : undefined;
  }

  async create(userId: string, dto: CreateCredentialDto): Promise<{ credential: CredentialView; created: boolean }> {
    const sealed = this.seal(userId, dto.credentials);
    if (dto.purpose === 'input') {
      const reply = await this.askIngest(MESSAGE_TYPES.ingest.CreateSourceCredential, { userId, platform: dto.platform, accountName: dto.accountName, sealedData: sealed });
      return { credential: sourceView(reply.credential), created: reply.created ?? false };
    }
    const reply = await this.publishing.ask(MESSAGE_TYPES.publishing.CreateCredential, { userId, platform: dto.platform, accountName: dto.accountName, sealedTokens: sealed });
    return { credential: publishingView(reply.credential), created: reply.created ?? false };
  }

  /** Both owners' credentials, merged, filtered and paged here (a user has a handful). */
  async list(userId: string, query: CredentialListQuery): Promise<Page<CredentialView>> {
    let all = await this.all(userId);
    if (query.platform?.length) all = all.filter((c) => query.platform!.includes(c.platform));
    if (query.search) all = all.filter((c) => c.accountName.toLowerCase().includes(query.search!.toLowerCase()));
    if (query.isActive !== undefined) all = all.filter((c) => c.isActive === query.isActive);
    return pageOf(all.slice(offsetOf(query), offsetOf(query) + query.pageSize), query, all.length);
  }

  async status(userId: string) {
    const all = await this.all(userId);
    return {
      platforms: Object.fromEntries(
        CREDENTIAL_PLATFORMS.map((platform) => {
          const mine = all.filter((c) => c.platform === platform);
          return [platform, { connected: mine.some((c) => c.isActive && !c.needsReauth), count: mine.length, needsReauth: mine.some((c) => c.needsReauth) }];
        }),
      ),
    };
  }

  async get(userId: string, id: string): Promise<CredentialView> {
    const found = await this.locate(userId, id);
    if (!found) throw notFound(id);
    return found;
  }

  async update(userId: string, id: string, dto: UpdateCredentialDto): Promise<CredentialView> {
    const current = await this.get(userId, id);
    if (dto.credentials) {
      const issues = checkUpdateFields(current.platform, current.purpose, dto.credentials);
      if (issues.length) throw validationError(issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
    }
    const sealed = dto.credentials ? this.seal(userId, dto.credentials) : undefined;
    const change = {
      userId,
      credentialId: id,
      ...(dto.accountName ? { accountName: dto.accountName } : {}),
      ...(dto.isActive !== undefined ? { isActive: String(dto.isActive) } : {}),
    };
    if (current.purpose === 'input') {
      const reply = await this.askIngest(MESSAGE_TYPES.ingest.UpdateSourceCredential, { ...change, ...(sealed ? { sealedData: sealed } : {}) });
      return sourceView(reply.credential);
    }
    const reply = await this.publishing.ask(MESSAGE_TYPES.publishing.UpdateCredential, { ...change, ...(sealed ? { sealedTokens: sealed } : {}) });
    return publishingView(reply.credential);
  }

  async delete(userId: string, id: string): Promise<void> {
    const current = await this.get(userId, id);
    const reply =
      current.purpose === 'input'
        ? await this.askIngest(MESSAGE_TYPES.ingest.DeleteSourceCredential, { userId, credentialId: id })
        : await this.publishing.ask(MESSAGE_TYPES.publishing.DeleteCredential, { userId, credentialId: id });
    if (!reply.deleted) throw notFound(id);
  }

  /**
   * One level of a folder of a Yandex Disk source credential, a page at a time (Yandex pages it
   * itself: the page is asked of it, not cut here). Another user's credential is a 404; an
   * output credential or another platform's is CREDENTIAL.NOT_BROWSABLE; a refused one is
   * YANDEX_DISK.NEEDS_REAUTH (409, the credential now shows needsReauth).
   */
  async browseYandexDisk(userId: string, id: string, query: YandexDiskBrowseQuery): Promise<Page<YandexDiskEntryView> & { path: string }> {
    let reply;
    try {
      reply = await this.bus.request(
        MESSAGE_TYPES.ingest.BrowseYandexDisk,
        { userId, credentialId: id, path: query.path ?? '/', limit: query.pageSize, offset: offsetOf(query) },
        { tenant: userId, timeoutMs: this.config.INGEST_REQUEST_TIMEOUT },
      );
    } catch (error) {
      if (error instanceof LeapError && error.code === 'CREDENTIAL.NOT_FOUND') {
        const other = await this.locate(userId, id);
        if (!other) throw notFound(id);
        throw new LeapError('CREDENTIAL.NOT_BROWSABLE', `Credential ${id} is a ${other.platform} ${other.purpose} credential: only a yandex_disk input credential can be browsed`, { status: 422 });
      }
      if (error instanceof LeapError && error.code === 'YANDEX_DISK.NEEDS_REAUTH') {
        throw new LeapError(error.code, 'Yandex Disk refused the credential: connect the account again or replace its tokens', { status: 409, details: { needsReauth: true } });
      }
      if (error instanceof LeapError && error.code === 'YANDEX_DISK.RATE_LIMITED') throw new LeapError(error.code, error.message, { status: 429, details: { retryAfterSeconds: 30 } });
      if (error instanceof LeapError && error.code === 'YANDEX_DISK.NOT_FOUND') throw new LeapError(error.code, `There is no folder ${query.path ?? '/'} on that Yandex Disk`, { status: 404 });
      if (error instanceof LeapError && error.code === 'YANDEX_DISK.UNAVAILABLE') throw new LeapError(error.code, 'Yandex Disk did not answer; try again shortly', { status: 502 });
      return this.ingestFailed(MESSAGE_TYPES.ingest.BrowseYandexDisk, error);
    }
    const items = (reply.items ?? []).map(
      (e): YandexDiskEntryView => ({
        name: e.name,
        path: e.path,
        type: e.type === 'dir' ? 'dir' : 'file',
        size: e.sizeBytes !== undefined && e.type !== 'dir' ? Number(e.sizeBytes) : null,
        modified: e.modifiedAt ?? null,
        mimeType: e.mimeType || null,
        media: e.media ?? false,
      }),
    );
    return { ...pageOf(items, query, reply.total ?? items.length), path: reply.path };
  }

  private async all(userId: string): Promise<CredentialView[]> {
    const [inputs, outputs] = await Promise.all([
      this.askIngest(MESSAGE_TYPES.ingest.ListSourceCredentials, { userId }),
      this.publishing.ask(MESSAGE_TYPES.publishing.ListCredentials, { userId }),
    ]);
    return [...(inputs.credentials ?? []).map(sourceView), ...(outputs.credentials ?? []).map(publishingView)].sort(
      (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
    );
  }

  /** Ids are UUIDv7 from either owner: both are asked, the one that has it answers. */
  private async locate(userId: string, id: string): Promise<CredentialView | null> {
    const orNull = async <T>(ask: Promise<T>): Promise<T | null> => {
      try {
        return await ask;
      } catch (error) {
        if (error instanceof LeapError && error.code === 'CREDENTIAL.NOT_FOUND') return null;
        throw error;
      }
    };
    const [input, output] = await Promise.all([
      orNull(this.askIngest(MESSAGE_TYPES.ingest.GetSourceCredential, { userId, credentialId: id })),
      orNull(this.publishing.ask(MESSAGE_TYPES.publishing.GetCredential, { userId, credentialId: id })),
    ]);
    if (input) return sourceView(input.credential);
    if (output) return publishingView(output.credential);
    return null;
  }

  private seal(userId: string, fields: unknown): string {
    if (!this.transit) throw new LeapError('CREDENTIAL.ENCRYPTION_UNCONFIGURED', 'Credentials cannot be stored: CREDENTIALS_TRANSIT_KEYRING is not set', { status: 503 });
    return this.transit.encryptJson(fields, `credential-transit:${userId}`);
  }

  /** Ingest's refusals (4xx CREDENTIAL.*) as they are; anything else is 503 INGEST.UNAVAILABLE. */
  private async askIngest<Q extends QueryType>(type: Q, query: PayloadOf<Q> & { userId: string }): Promise<ReplyOf<Q>> {
    try {
      return (await this.bus.request(type, query, { tenant: query.userId, timeoutMs: this.config.INGEST_REQUEST_TIMEOUT })) as ReplyOf<Q>;
    } catch (error) {
      if (error instanceof LeapError && error.status >= 400 && error.status < 500 && /^CREDENTIAL\./.test(error.code)) {
        throw new LeapError(error.code, error.message, { status: error.status });
      }
      return this.ingestFailed(type, error);
    }
  }

  private ingestFailed(type: string, error: unknown): never {
    if (error instanceof LeapError && error.code === 'CREDENTIAL.ENCRYPTION_UNCONFIGURED') throw new LeapError(error.code, error.message, { status: 503 });
    this.logger.warn(`ingest did not answer ${type}: ${(error as Error).message}`, { code: (error as LeapError).code });
    throw new LeapError('INGEST.UNAVAILABLE', 'The ingest service did not answer; try again shortly', { status: 503, retryable: true, details: { retryAfterSeconds: 5 }, cause: error });
  }
}

function notFound(id: string): LeapError {
  return new LeapError('CREDENTIAL.NOT_FOUND', `There is no credential ${id}`, { status: 404 });
}

/** A source credential (ingest's) as the API shows it: masked hints, never its fields. */
export function sourceView(c: SourceCredential): CredentialView {
  return {
    id: c.id,
    platform: c.platform as CredentialPlatform,
    purpose: 'input',
    kind: c.kind === 'server_to_server' ? 'server_to_server' : 'oauth',
    accountName: c.accountName,
    hints: c.hints ?? {},
    needsReauth: c.needsReauth ?? false,
    isActive: c.isActive ?? false,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    lastUsedAt: c.lastUsedAt ?? null,
  };
}

/** A publishing credential as the API shows it: masked hints, never tokens. */
export function publishingView(c: PlatformCredential): CredentialView {
  return {
    id: c.id,
    platform: c.platform as CredentialPlatform,
    purpose: 'output',
    kind: 'oauth',
    accountName: c.accountName,
    hints: c.hints ?? {},
    needsReauth: c.needsReauth ?? false,
    isActive: c.isActive ?? false,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    lastUsedAt: c.lastUsedAt ?? null,
  };
}
