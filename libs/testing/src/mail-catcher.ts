import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One mail the catcher received, parsed. */
export interface CaughtMail {
  /** Recipient addresses, lower-cased. */
  to: string[];
  /** The sender's address, lower-cased. */
  from: string;
  subject: string;
  text: string;
  html: string;
  /** Every http(s) URL in the text body, in order (without a sentence's closing punctuation). */
  links: string[];
  receivedAt: Date;
}

/** What `waitFor` looks for: a predicate, or a recipient and/or a subject (a substring or a pattern). */
export type MailMatch = ((mail: CaughtMail) => boolean) | { to?: string; subject?: string | RegExp };

/**
 * A local SMTP server that keeps what it receives, for tests and development: point a service's
 * `SMTP_URL` at `url` and read the mails from `messages` or `waitFor`.
 */
export interface MailCatcher {
  port: number;
  /** `smtp://user:pass@127.0.0.1:<port>` (any credentials are accepted). */
  url: string;
  /** Everything received since the start or the last `clear()`, oldest first. */
  readonly messages: CaughtMail[];
  /** The first mail (already received or arriving within `timeoutMs`, default 10 s) that matches. */
  waitFor(match: MailMatch, timeoutMs?: number): Promise<CaughtMail>;
  clear(): void;
  close(): Promise<void>;
}

const LINK = /https?:\/\/[^\s<>"')\]]+/g;

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((o) => o.value.map((a) => (a.address ?? '').toLowerCase())).filter((a) => a !== '');
}

function matcher(match: MailMatch): (mail: CaughtMail) => boolean {
  if (typeof match === 'function') return match;
  const to = match.to?.toLowerCase();
  return (mail) =>
    (to === undefined || mail.to.includes(to)) &&
    (match.subject === undefined || (typeof match.subject === 'string' ? mail.subject.includes(match.subject) : match.subject.test(mail.subject)));
}

function describe(match: MailMatch): string {
  return typeof match === 'function' ? 'the predicate' : JSON.stringify({ to: match.to, subject: match.subject?.toString() });
}

export interface MailCatcherOptions {
  /** Port on 127.0.0.1; default: any free one. */
  port?: number;
  /** Called with each mail as it arrives (to print it, in development). */
  onMail?: (mail: CaughtMail) => void;
}

/** Starts a mail catcher on 127.0.0.1 (plain SMTP, no TLS, any login accepted). */
export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const messages: CaughtMail[] = [];
  const waiters = new Set<{ test: (mail: CaughtMail) => boolean; resolve: (mail: CaughtMail) => void }>();

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'anyone' }),
    onData: (stream, session, callback) => {
      simpleParser(stream)
        .then((parsed) => {
          const text = parsed.text ?? '';
          const fromHeaders = addresses(parsed.to);
          const envelope = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
          const mail: CaughtMail = {
            to: fromHeaders.length > 0 ? fromHeaders : envelope,
            from: addresses(parsed.from)[0] ?? '',
            subject: parsed.subject ?? '',
            text,
            html: typeof parsed.html === 'string' ? parsed.html : '',
            links: (text.match(LINK) ?? []).map((link) => link.replace(/[.,;:!?]+$/, '')),
            receivedAt: new Date(),
          };
          messages.push(mail);
          options.onMail?.(mail);
          for (const waiter of [...waiters]) {
            if (waiter.test(mail)) {
              waiters.delete(waiter);
              waiter.resolve(mail);
            }
          }
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined); // a client hanging up mid-session is not the test's failure
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://user:pass@127.0.0.1:${port}`,
    messages,
    waitFor(match, timeoutMs = 10_000) {
      const test = matcher(match);
      const found = messages.find(test);
      if (found) return Promise.resolve(found);
      return new Promise<CaughtMail>((resolve, reject) => {
        const waiter = {
          test,
          resolve: (mail: CaughtMail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = messages.map((m) => `${m.to.join(',')}: ${m.subject}`).join('; ') || 'none';
          reject(new Error(`No mail matching ${describe(match)} within ${timeoutMs} ms (received: ${seen})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    clear() {
      messages.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
