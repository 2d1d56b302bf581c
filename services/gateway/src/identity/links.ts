/** The address a mail link points at: `${PUBLIC_BASE_URL}/api/v1/auth/<action>?token=…`. */
export function mailLink(publicBaseUrl: string, action: 'verify-email' | 'reset-password', token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/api/v1/auth/${action}?token=${encodeURIComponent(token)}`;
}
