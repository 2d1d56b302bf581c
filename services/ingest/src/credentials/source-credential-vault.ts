import { LeapError } from '@leap/errors';
import { parseKeyring, type Keyring } from '@leap/secrets';

/**
 * Seals and opens source credentials: at rest with `CREDENTIALS_KEYRING` (context
 * `credential:<id>`, so a value copied to another row does not open there), and in transit from
 * the gateway with `CREDENTIALS_TRANSIT_KEYRING` (context `credential-transit:<user id>`).
 */
export class SourceCredentialVault {
  readonly atRest?: Keyring;
  private readonly transit?: Keyring;

  constructor(settings: { CREDENTIALS_KEYRING?: string; CREDENTIALS_TRANSIT_KEYRING?: string }) {
    this.atRest = settings.CREDENTIALS_KEYRING ? parseKeyring(settings.CREDENTIALS_KEYRING) : undefined;
    this.transit = settings.CREDENTIALS_TRANSIT_KEYRING ? parseKeyring(settings.CREDENTIALS_TRANSIT_KEYRING) : undefined;
  }

  seal(credentialId: string, data: unknown): string {
    return this.keyring(this.atRest, 'CREDENTIALS_KEYRING').encryptJson(data, `credential:${credentialId}`);
  }

  open<T>(credentialId: string, sealed: string): T {
    return this.keyring(this.atRest, 'CREDENTIALS_KEYRING').decryptJson<T>(sealed, `credential:${credentialId}`);
  }

  /** The fields the gateway sealed for this user; anything else is a 422. */
  openTransit(userId: string, sealed: string): unknown {
    const keyring = this.keyring(this.transit, 'CREDENTIALS_TRANSIT_KEYRING');
    try {
      return keyring.decryptJson(sealed, `credential-transit:${userId}`);
    } catch {
      throw new LeapError('CREDENTIAL.INVALID', 'The credential fields do not open', { retryable: false, status: 422 });
    }
  }

  /** The authorization code the gateway sealed for this user (an OAuth callback's); anything else is a 422. */
  openGrant(userId: string, sealed: string): { code: string; codeVerifier?: string } {
    const keyring = this.keyring(this.transit, 'CREDENTIALS_TRANSIT_KEYRING');
    let grant: { code?: unknown; codeVerifier?: unknown };
    try {
      grant = keyring.decryptJson(sealed, `credential-transit:${userId}`);
    } catch {
      throw new LeapError('OAUTH.EXCHANGE_FAILED', 'The authorization grant does not open', { retryable: false, status: 422 });
    }
    if (typeof grant?.code !== 'string' || !grant.code) throw new LeapError('OAUTH.EXCHANGE_FAILED', 'The authorization grant has no code', { retryable: false, status: 422 });
    return { code: grant.code, ...(typeof grant.codeVerifier === 'string' && grant.codeVerifier ? { codeVerifier: grant.codeVerifier } : {}) };
  }

  private keyring(keyring: Keyring | undefined, setting: string): Keyring {
    if (!keyring) throw new LeapError('CREDENTIAL.ENCRYPTION_UNCONFIGURED', `Credentials cannot be stored: ${setting} is not set`, { retryable: false, status: 503 });
    return keyring;
  }
}
