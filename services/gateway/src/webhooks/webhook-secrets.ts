import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'winston';
import { parseKeyring, SecretsError, type Keyring } from '@leap/secrets';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import { WebhooksRepository } from './webhooks.repository';

/**
 * What a sealed secret is bound to: its subscription and that subscription's owner. A value
 * copied to another row, or to another user's, does not open there.
 */
export const secretContext = (owner: { userId: string; id: string }) => `webhook-secret:${owner.userId}:${owner.id}`;

/** Whether a stored value is sealed (`v1.<key id>.…`) rather than a secret kept in clear by an older release. */
export const isSealed = (value: string) => value.startsWith('v1.');

/**
 * Seals webhook signing secrets at rest with `WEBHOOK_SECRETS_KEYRING` (AES-256-GCM, the key id
 * in each value) and opens them when a delivery is signed. The gateway must sign with the secret
 * itself, so it is encrypted rather than hashed.
 */
@Injectable()
export class WebhookSecretVault {
  readonly keyring: Keyring;

  constructor(@Inject(SERVICE_CONFIG) config: Pick<GatewayConfig, 'WEBHOOK_SECRETS_KEYRING'>) {
    this.keyring = parseKeyring(config.WEBHOOK_SECRETS_KEYRING);
  }

  seal(owner: { userId: string; id: string }, secret: string): string {
    return this.keyring.encrypt(secret, secretContext(owner));
  }

  open(owner: { userId: string; id: string }, sealed: string): string {
    return this.keyring.decrypt(sealed, secretContext(owner));
  }
}

export interface SealingReport {
  examined: number;
  /** Secrets that were kept in clear (rows of an older release), now sealed. */
  sealed: number;
  /** Secrets sealed with an older key, now sealed with the active one. */
  resealed: number;
  /** Subscriptions whose secrets do not open (their key is gone): left as they are, and logged. */
  failed: { subscriptionId: string; code: string }[];
}

const PAGE = 200;

/**
 * At start, before the gateway takes requests or deliveries: every secret still kept in clear is
 * sealed, and every secret sealed with another key than the first of the keyring is sealed again
 * with it. This is how existing rows are encrypted after the upgrade and how a key rotation
 * completes (put the new key first, keep the old one until a start has run, then drop it).
 */
@Injectable()
export class WebhookSecretSealer implements OnModuleInit {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly vault: WebhookSecretVault,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const report = await this.sealAll();
    if (report.sealed || report.resealed) {
      this.logger.info('Webhook secrets sealed with the active key', { sealed: report.sealed, resealed: report.resealed, keyId: this.vault.keyring.activeKeyId });
    }
    for (const failure of report.failed) {
      this.logger.error('A webhook secret does not open with WEBHOOK_SECRETS_KEYRING: its deliveries fail until the key is back', failure);
    }
  }

  async sealAll(): Promise<SealingReport> {
    const report: SealingReport = { examined: 0, sealed: 0, resealed: 0, failed: [] };
    const { keyring } = this.vault;
    let afterId: string | null = null;
    for (;;) {
      const page = await this.repository.sealedSecretsPage(afterId, PAGE);
      if (page.length === 0) break;
      for (const row of page) {
        report.examined += 1;
        const context = secretContext(row);
        try {
          let clear = 0;
          let rotated = 0;
          const next = (value: string) => {
            if (!isSealed(value)) {
              clear += 1;
              return keyring.encrypt(value, context);
            }
            if (!keyring.needsRotation(value)) return value;
            rotated += 1;
            return keyring.rotate(value, context);
          };
          const after = { secret: next(row.secret), previousSecret: row.previousSecret === null ? null : next(row.previousSecret) };
          if ((clear || rotated) && (await this.repository.replaceSealedSecrets(row.id, row, after))) {
            report.sealed += clear;
            report.resealed += rotated;
          }
        } catch (error) {
          if (!(error instanceof SecretsError)) throw error;
          report.failed.push({ subscriptionId: row.id, code: error.code });
        }
      }
      afterId = page[page.length - 1]!.id;
    }
    // Rows written before the upgrade were let through the check that refuses a clear secret; none is left.
    const [check] = await this.dataSource.query(
      `SELECT convalidated FROM pg_constraint WHERE conrelid = 'webhook_subscriptions'::regclass AND conname = 'webhook_subscriptions_secrets_sealed'`,
    );
    if (check && !check.convalidated) {
      try {
        await this.dataSource.query(`ALTER TABLE webhook_subscriptions VALIDATE CONSTRAINT webhook_subscriptions_secrets_sealed`);
      } catch (error) {
        // A row written in clear meanwhile (by a replica of the older release): the next start seals it and validates.
        this.logger.warn('Webhook secrets are not all sealed yet', { error: (error as Error).message });
      }
    }
    return report;
  }
}
