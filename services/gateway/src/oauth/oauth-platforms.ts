import type { GatewayConfig } from '../config/config.schema';

/** The service that keeps a platform's credentials and exchanges its codes: ingest for sources, publishing for uploads. */
export type OAuthOwner = 'ingest' | 'publishing';

/** What a connected account is for: a source's credential (input) or an upload target's (output). */
export type OAuthPurpose = 'input' | 'output';

/** What the authorize URL is built from. */
export interface AuthorizeParams {
  state: string;
  redirectUri: string;
  /** PKCE (S256), for platforms that use it. */
  codeChallenge?: string;
}

/**
 * One platform an account can be connected from: which service owns its credentials for each
 * purpose it serves, how its consent URL is built, and whether it uses PKCE. Yandex Disk serves
 * both: a source's folder (ingest) and an upload target (publishing), chosen by `purpose` on
 * authorize and signed into the state.
 */
export interface OAuthPlatform {
  /** As in `/api/v1/oauth/{platform}/…`. */
  path: string;
  /** The credential's platform at its owner (`vk` connects `vk_video` accounts). */
  credentialPlatform: string;
  /** The owner per purpose; the first purpose listed is the default. */
  owners: Partial<Record<OAuthPurpose, OAuthOwner>>;
  pkce: boolean;
  /** Whether the gateway has what it needs to start a connect (an OAuth client id). */
  configured(config: GatewayConfig): boolean;
  authorizeUrl(config: GatewayConfig, p: AuthorizeParams): string;
}

const YOUTUBE_SCOPES = ['https://www.googleapis.com/auth/youtube.upload', 'https://www.googleapis.com/auth/youtube.force-ssl', 'openid', 'email'];
const VK_ID_SCOPES = ['vkid.personal_info', 'video', 'groups', 'wall'];

export const OAUTH_PLATFORMS: Record<string, OAuthPlatform> = {
  youtube: {
    path: 'youtube',
    credentialPlatform: 'youtube',
    owners: { output: 'publishing' },
    pkce: false,
    configured: (c) => c.GOOGLE_CLIENT_ID.length > 0,
    authorizeUrl: (c, p) =>
      `${c.GOOGLE_ACCOUNTS_BASE_URL.replace(/\/$/, '')}/o/oauth2/v2/auth?${new URLSearchParams({
        client_id: c.GOOGLE_CLIENT_ID,
        redirect_uri: p.redirectUri,
        response_type: 'code',
        scope: YOUTUBE_SCOPES.join(' '),
        // A refresh token, every time (offline access; the consent screen even for an account connected before).
        access_type: 'offline',
        prompt: 'consent',
        include_granted_scopes: 'true',
        state: p.state,
      })}`,
  },
  vk: {
    path: 'vk',
    credentialPlatform: 'vk_video',
    owners: { output: 'publishing' },
    pkce: true,
    configured: (c) => c.VK_CLIENT_ID.length > 0,
    authorizeUrl: (c, p) =>
      `${c.VK_ID_BASE_URL.replace(/\/$/, '')}/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: c.VK_CLIENT_ID,
        redirect_uri: p.redirectUri,
        state: p.state,
        code_challenge: p.codeChallenge!,
        code_challenge_method: 'S256',
        scope: VK_ID_SCOPES.join(' '),
      })}`,
  },
  zoom: {
    path: 'zoom',
    credentialPlatform: 'zoom',
    owners: { input: 'ingest' },
    pkce: false,
    configured: (c) => c.ZOOM_CLIENT_ID.length > 0,
    // Zoom user OAuth: the scopes are the app's own (set in the Zoom Marketplace), not asked here.
    authorizeUrl: (c, p) =>
      `${c.ZOOM_OAUTH_BASE_URL.replace(/\/$/, '')}/oauth/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: c.ZOOM_CLIENT_ID,
        redirect_uri: p.redirectUri,
        state: p.state,
      })}`,
  },
  yandex_disk: {
    path: 'yandex_disk',
    credentialPlatform: 'yandex_disk',
    owners: { input: 'ingest', output: 'publishing' },
    pkce: true,
    configured: (c) => c.YANDEX_CLIENT_ID.length > 0,
    authorizeUrl: (c, p) =>
      `${c.YANDEX_OAUTH_BASE_URL.replace(/\/$/, '')}/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: c.YANDEX_CLIENT_ID,
        redirect_uri: p.redirectUri,
        state: p.state,
        // The account picker every time, so a second Yandex account can be connected.
        force_confirm: 'yes',
        code_challenge: p.codeChallenge!,
        code_challenge_method: 'S256',
      })}`,
  },
};

export const OAUTH_PLATFORM_PATHS = Object.keys(OAUTH_PLATFORMS);

/** The purposes a platform's accounts can be connected for, the default first. */
export function purposesOf(platform: OAuthPlatform): OAuthPurpose[] {
  return Object.keys(platform.owners) as OAuthPurpose[];
}

/** The VK implicit flow (a token in the redirect's fragment, 24 h, no refresh): the URL the user opens, then pastes where it lands. */
export function vkImplicitUrl(c: GatewayConfig): string {
  const base = c.VK_OAUTH_BASE_URL.replace(/\/$/, '');
  return `${base}/authorize?${new URLSearchParams({
    client_id: c.VK_CLIENT_ID,
    display: 'page',
    redirect_uri: `${base}/blank.html`,
    scope: 'video,groups,wall',
    response_type: 'token',
    v: '5.131',
  })}`;
}
