import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SERVICE_CONFIG } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import type { TokenPurpose } from './one-time-tokens';
import { mailCooldown } from './problems';

/**
 * One mail per address and purpose per `MAIL_RESEND_COOLDOWN` (`mail_throttle`, keyed by the
 * SHA-256 of the lower-cased address, so the table holds no addresses). The cooldown applies to
 * addresses with no account too, so a 429 reveals nothing about who is registered.
 */
@Injectable()
export class MailThrottle {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'MAIL_RESEND_COOLDOWN'>,
  ) {}

  /** Takes the address's turn for `purpose`, or throws 429 `AUTH.MAIL_COOLDOWN` while the last one is too recent. */
  async claim(email: string, purpose: TokenPurpose): Promise<void> {
    const key = createHash('sha256').update(email.trim().toLowerCase(), 'utf8').digest();
    const cooldownSeconds = this.config.MAIL_RESEND_COOLDOWN / 1000;
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO mail_throttle (address_hash, purpose, last_sent_at) VALUES ($1, $2, now())
       ON CONFLICT (address_hash, purpose) DO UPDATE SET last_sent_at = now()
         WHERE mail_throttle.last_sent_at <= now() - make_interval(secs => $3)
       RETURNING 1`,
      [key, purpose, cooldownSeconds],
    );
    if (claimed.length === 1) return;
    const rows: { wait: number }[] = await this.dataSource.query(
      `SELECT extract(epoch FROM last_sent_at + make_interval(secs => $3) - now())::float8 AS wait FROM mail_throttle WHERE address_hash = $1 AND purpose = $2`,
      [key, purpose, cooldownSeconds],
    );
    throw mailCooldown(Math.max(1, Math.ceil(rows[0]?.wait ?? cooldownSeconds)));
  }
}
