import type { Transport } from 'nodemailer';
import type { Logger } from 'winston';

/** What the log transport answers for a "sent" mail. */
export interface LoggedMailInfo {
  messageId: string;
  envelope: { from: string; to: string[] };
}

function addressList(value: unknown): string {
  if (Array.isArray(value)) return value.map(addressList).join(', ');
  if (value && typeof value === 'object' && 'address' in value) return String((value as { address: unknown }).address);
  return value === undefined || value === null ? '' : String(value);
}

/** The `token` query values of the links in a text. */
function linkTokens(text: string): string[] {
  return [...text.matchAll(/[?&]token=([A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
}

/**
 * A nodemailer transport that sends nothing: it writes each mail (recipient, subject and the text
 * with its link) to the service log at info level. Used when `SMTP_URL` is not set, so that a
 * developer can follow verification and reset links from the console.
 *
 * The service log masks `?token=` values in every line (logs must not hold live credentials), so
 * with `revealTokens` (development and test, never production) the tokens are also written on a
 * line of their own, to be put in place of the mask or posted to the API.
 */
export function logTransport(logger: Logger, options: { revealTokens: boolean }): Transport<LoggedMailInfo> {
  let counter = 0;
  return {
    name: 'leap-log',
    version: '1',
    send(mail, callback) {
      const to = addressList(mail.data.to);
      const subject = String(mail.data.subject ?? '');
      const text = typeof mail.data.text === 'string' ? mail.data.text : '';
      const tokens = options.revealTokens ? linkTokens(text) : [];
      const reveal = tokens.length > 0 ? `\nThe log masks the token of the link; it is: ${tokens.join(' ')}\n` : '';
      logger.info(`Mail to ${to} (not sent: SMTP_URL is not set): ${subject}\n${text}${reveal}`, { mail: { to, subject } });
      counter += 1;
      callback(null, { messageId: `<log-${Date.now()}-${counter}@leap.localhost>`, envelope: { from: addressList(mail.data.from), to: to.split(', ') } });
    },
  };
}
