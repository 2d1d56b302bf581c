import { Keyring, parseKeyring } from '@leap/secrets';
import { LeapError } from '@leap/errors';

/** A platform account's tokens, as publishing holds them (never in a log, an answer or a message). */
export interface PlatformTokens {
  accessToken: string;
  refreshToken?: string;
  /** VK ID: the device the tokens were issued to (a refresh names it). */
  deviceId?: string;
}

/** An OAuth authorization the gateway checked (its state) and passed on sealed: the code, and for PKCE the verifier. */
export interface OAuthGrant {
  code: string;
  codeVerifier?: string;
  /** VK ID's `device_id` from the redirect. */
  deviceId?: string;
}

/**
 * Seals and opens credential tokens: at rest with `CREDENTIALS_KEYRING` (context
 * `credential:<id>`, so a value copied to another row does not open there), and in transit from
 * the gateway with `CREDENTIALS_TRANSIT_KEYRING` (context `credential-transit:<user id>`).
 */
export class CredentialVault {
  private readonly atRest?: Keyring;
  private readonly transit?: Keyring;

  constructor(settings: { CREDENTIALS_KEYRING?: string; CREDENTIALS_TRANSIT_KEYRING?: string }) {
    this.atRest = settings.CREDENTIALS_KEYRING ? parseKeyring(settings.CREDENTIALS_KEYRING) : undefined;
    this.transit = settings.CREDENTIALS_TRANSIT_KEYRING ? parseKeyring(settings.CREDENTIALS_TRANSIT_KEYRING) : undefined;
  }

  seal(credentialId: string, tokens: PlatformTokens): string {
    return this.keyring(this.atRest, 'CREDENTIALS_KEYRING').encryptJson(tokens, `credential:${credentialId}`);
  }

  open(credentialId: string, sealed: string): PlatformTokens {
    return this.keyring(this.atRest, 'CREDENTIALS_KEYRING').decryptJson<PlatformTokens>(sealed, `credential:${credentialId}`);
  }

  /** The tokens the gateway sealed for this user; anything else is a 422. */
  openTransit(userId: string, sealed: string): PlatformTokens {
    let tokens: PlatformTokens;
    try {
      tokens = this.keyring(this.transit, 'CREDENTIALS_TRANSIT_KEYRING').decryptJson<PlatformTokens>(sealed, `credential-transit:${userId}`);
    } catch (error) {
      if (error instanceof LeapError && error.code === 'CREDENTIAL.ENCRYPTION_UNCONFIGURED') throw error;
      throw new LeapError('CREDENTIAL.INVALID', 'The credential tokens do not open', { retryable: false, status: 422 });
    }
    if (typeof tokens?.accessToken !== 'string' || !tokens.accessToken || (tokens.refreshToken !== undefined && typeof tokens.refreshToken !== 'string')) {
      throw new LeapError('CREDENTIAL.INVALID', 'credentials.accessToken is required, refreshToken is optional text', { retryable: false, status: 422 });
    }
    return { accessToken: tokens.accessToken, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}) };
  }

  /** The authorization code the gateway sealed for this user; anything else is a 422. */
  openGrant(userId: string, sealed: string): OAuthGrant {
    let grant: OAuthGrant;
    try {
      grant = this.keyring(this.transit, 'CREDENTIALS_TRANSIT_KEYRING').decryptJson<OAuthGrant>(sealed, `credential-transit:${userId}`);
    } catch (error) {
      if (error instanceof LeapError && error.code === 'CREDENTIAL.ENCRYPTION_UNCONFIGURED') throw error;
      throw new LeapError('OAUTH.EXCHANGE_FAILED', 'The authorization grant does not open', { retryable: false, status: 422 });
    }
    if (typeof grant?.code !== 'string' || !grant.code) throw new LeapError('OAUTH.EXCHANGE_FAILED', 'The authorization grant has no code', { retryable: false, status: 422 });
    return grant;
  }

  private keyring(keyring: Keyring | undefined, setting: string): Keyring {
    if (!keyring) throw new LeapError('CREDENTIAL.ENCRYPTION_UNCONFIGURED', `Credentials cannot be stored: ${setting} is not set`, { retryable: false, status: 503 });
    return keyring;
  }
}

export const CREDENTIAL_VAULT = Symbol('CREDENTIAL_VAULT');
