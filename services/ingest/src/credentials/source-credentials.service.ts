import { Inject, Injectable } from '@nestjs/common';
import type {
  ConnectSourceAccount,
  CreateSourceCredential,
  DeleteSourceCredential,
  GetSourceCredential,
  ListSourceCredentials,
  SourceAccountConnected,
  SourceCredentialCreated,
  SourceCredentialDeleted,
  SourceCredentialFound,
  SourceCredentialsPage,
  SourceCredentialUpdated,
  UpdateSourceCredential,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { SERVICE_CONFIG } from '@leap/platform';
import { isYandexDiskError, YandexDiskClient } from '@leap/yandex-disk';
import type { IngestConfig } from '../config/config.schema';
import type { Transaction } from '../recordings/recording.repository';
import { ZoomClient } from '../sources/zoom/zoom.client';
import { hintsOf, parseCredentialData, webhookIndexOf, type OauthTokenData } from './source-credential-schema';
import type { SourceCredentialVault } from './source-credential-vault';
import { SourceCredentialsRepository, type SourceCredentialRow } from './source-credentials.repository';

export const SOURCE_CREDENTIAL_VAULT = Symbol('ingest:source-credential-vault');

export type SourceCredentialView = SourceCredentialCreated['credential'];

/** A credential as the bus carries it: masked hints, never its fields. */
export function sourceCredentialView(row: SourceCredentialRow): SourceCredentialView {
  return {
    id: row.id,
    userId: row.userId,
    platform: row.platform,
    accountName: row.accountName,
    kind: row.kind,
    hints: row.hints ?? {},
    needsReauth: row.needsReauth,
    isActive: row.isActive,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    ...(row.lastUsedAt ? { lastUsedAt: new Date(row.lastUsedAt).toISOString() } : {}),
  };
}

/** Source credentials from settings or tokens obtained elsewhere: checked against the platform's schema, sealed at rest. */
@Injectable()
export class SourceCredentialsService {
  constructor(
    private readonly credentials: SourceCredentialsRepository,
    @Inject(SOURCE_CREDENTIAL_VAULT) private readonly vault: SourceCredentialVault,
    private readonly zoom: ZoomClient,
    private readonly yandex: YandexDiskClient,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<IngestConfig, 'YANDEX_CLIENT_ID' | 'YANDEX_CLIENT_SECRET'>,
  ) {}

  async create(tx: Transaction, q: CreateSourceCredential): Promise<SourceCredentialCreated> {
    return this.store(tx, q.userId, q.platform, checkedAccountName(q.accountName), this.vault.openTransit(q.userId, q.sealedData));
  }

  /**
   * An account connected through OAuth (the gateway's callback): the code exchanged with the
   * platform's app secret (Zoom: HTTP Basic at `/oauth/token`; Yandex: `/token`), the account
   * named by the platform (the Zoom e-mail from `GET /users/me`, the Yandex login from the disk's
   * owner), and the tokens stored as `create` stores them, so the same account again gets the new
   * tokens and `needs_reauth` cleared.
   */
  async connect(tx: Transaction, q: ConnectSourceAccount): Promise<SourceAccountConnected> {
    const grant = this.vault.openGrant(q.userId, q.sealedGrant);
    if (q.platform === 'zoom') {
      const connected = await this.zoom.exchangeCode(grant.code, q.redirectUri);
      return this.store(tx, q.userId, 'zoom', connected.email, connected.tokens);
    }
    if (q.platform === 'yandex_disk') {
      if (!this.config.YANDEX_CLIENT_ID || !this.config.YANDEX_CLIENT_SECRET) {
        throw new LeapError('OAUTH.NOT_CONFIGURED', 'Connecting Yandex Disk accounts is not configured on this server (YANDEX_CLIENT_ID and YANDEX_CLIENT_SECRET of ingest)', { retryable: false, status: 503 });
      }
      try {
        const connected = await this.yandex.connect(grant.code, grant.codeVerifier ? { codeVerifier: grant.codeVerifier } : {});
        const data: OauthTokenData = { ...connected.tokens, ...(connected.expiresIn ? { expiresAt: new Date(Date.now() + connected.expiresIn * 1000).toISOString() } : {}) };
        return this.store(tx, q.userId, 'yandex_disk', connected.accountName, data);
      } catch (error) {
        if (isYandexDiskError(error, 'rejected') || isYandexDiskError(error, 'revoked')) {
          throw new LeapError('OAUTH.EXCHANGE_FAILED', `Yandex refused the authorization: ${error.message}`, { retryable: false, status: 422 });
        }
        throw error;
      }
    }
    throw new LeapError('OAUTH.PLATFORM_UNKNOWN', `ingest connects zoom and yandex_disk accounts, not ${q.platform}`, { retryable: false, status: 404 });
  }

  /** Upserts by (user, platform, account name): the same account again gets the new fields and `needs_reauth` cleared. */
  private async store(tx: Transaction, userId: string, platform: string, accountName: string, fields: unknown): Promise<SourceCredentialCreated> {
    const { kind, data } = parseCredentialData(platform, fields);
    const existing = await this.credentials.findByAccount(tx, userId, platform, accountName);
    if (existing) {
      const row = await this.credentials.replaceData(tx, existing.id, { kind, sealedData: this.vault.seal(existing.id, data), hints: hintsOf(data), webhook: webhookIndexOf(platform, data) });
      return { credential: sourceCredentialView(row!), created: false };
    }
    const id = this.credentials.newId();
    const row = await this.credentials.insert(tx, { id, userId, platform, accountName, kind, sealedData: this.vault.seal(id, data), hints: hintsOf(data), webhook: webhookIndexOf(platform, data) });
    return { credential: sourceCredentialView(row), created: true };
  }

  async list(q: ListSourceCredentials): Promise<SourceCredentialsPage> {
    return { credentials: (await this.credentials.list(q.userId)).map(sourceCredentialView) };
  }

  async get(tx: Transaction, q: GetSourceCredential): Promise<SourceCredentialFound> {
    return { credential: sourceCredentialView(await this.owned(tx, q.userId, q.credentialId)) };
  }

  async update(tx: Transaction, q: UpdateSourceCredential): Promise<SourceCredentialUpdated> {
    let row = await this.owned(tx, q.userId, q.credentialId);
    const accountName = q.accountName ? checkedAccountName(q.accountName) : undefined;
    if (accountName && accountName !== row.accountName && (await this.credentials.findByAccount(tx, q.userId, row.platform, accountName))) {
      throw new LeapError('CREDENTIAL.DUPLICATE', `A ${row.platform} credential for ${accountName} already exists`, { retryable: false, status: 409 });
    }
    if (q.sealedData) {
      const { kind, data } = parseCredentialData(row.platform, this.vault.openTransit(q.userId, q.sealedData));
      row = (await this.credentials.replaceData(tx, row.id, { kind, sealedData: this.vault.seal(row.id, data), hints: hintsOf(data), webhook: webhookIndexOf(row.platform, data) }))!;
    }
    if (accountName || q.isActive) row = (await this.credentials.update(tx, row.id, { accountName, isActive: q.isActive ? q.isActive === 'true' : undefined }))!;
    return { credential: sourceCredentialView(row) };
  }

  async delete(tx: Transaction, q: DeleteSourceCredential): Promise<SourceCredentialDeleted> {
    return { deleted: await this.credentials.delete(tx, q.userId, q.credentialId) };
  }

  private async owned(tx: Transaction, userId: string, id: string): Promise<SourceCredentialRow> {
    const row = await this.credentials.find(tx, userId, id);
    if (!row) throw new LeapError('CREDENTIAL.NOT_FOUND', `No credential ${id}`, { retryable: false, status: 404 });
    return row;
  }
}

function checkedAccountName(text: string): string {
  const name = text.trim();
  if (!name || name.length > 200) throw new LeapError('CREDENTIAL.INVALID', 'accountName: must be 1 to 200 characters', { retryable: false, status: 422 });
  return name;
}
