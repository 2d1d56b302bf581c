import { Inject, Injectable } from '@nestjs/common';
import type {
  CreateSourceCredential,
  DeleteSourceCredential,
  GetSourceCredential,
  ListSourceCredentials,
  SourceCredentialCreated,
  SourceCredentialDeleted,
  SourceCredentialFound,
  SourceCredentialsPage,
  SourceCredentialUpdated,
  UpdateSourceCredential,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import type { Transaction } from '../recordings/recording.repository';
import { hintsOf, parseCredentialData, webhookIndexOf } from './source-credential-schema';
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
  ) {}

  async create(tx: Transaction, q: CreateSourceCredential): Promise<SourceCredentialCreated> {
    const accountName = checkedAccountName(q.accountName);
    const { kind, data } = parseCredentialData(q.platform, this.vault.openTransit(q.userId, q.sealedData));
    const existing = await this.credentials.findByAccount(tx, q.userId, q.platform, accountName);
    if (existing) {
      const row = await this.credentials.replaceData(tx, existing.id, { kind, sealedData: this.vault.seal(existing.id, data), hints: hintsOf(data), webhook: webhookIndexOf(q.platform, data) });
      return { credential: sourceCredentialView(row!), created: false };
    }
    const id = this.credentials.newId();
    const row = await this.credentials.insert(tx, { id, userId: q.userId, platform: q.platform, accountName, kind, sealedData: this.vault.seal(id, data), hints: hintsOf(data), webhook: webhookIndexOf(q.platform, data) });
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
