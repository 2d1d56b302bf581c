import { Writable } from 'node:stream';
import { createLogger, format, transports, type Logger } from 'winston';
import { createLogger as createServiceLogger, createMemoryTransport } from '@leap/logging';
import { freePort, startMailCatcher } from '@leap/testing';
import { Mailer } from './mailer.service';
import { passwordResetMail, verificationMail } from './templates';

interface LogLine {
  level: string;
  message: string;
}

function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    objectMode: true,
    write(info: LogLine, _encoding, done) {
      lines.push({ level: info.level, message: info.message });
      done();
    },
  });
  return { logger: createLogger({ level: 'info', format: format.simple(), transports: [new transports.Stream({ stream })] }), lines };
}

const FROM = 'LEAP <no-reply@leap.localhost>';
const LINK = 'http://localhost:3000/api/v1/auth/verify-email?token=abc';

describe('the mailer', () => {
  it('sends over SMTP from MAIL_FROM, with the link in the text and the HTML', async () => {
    const catcher = await startMailCatcher();
    const { logger } = capturingLogger();
    const mailer = new Mailer({ SMTP_URL: catcher.url, MAIL_FROM: FROM, NODE_ENV: 'test' }, logger);
    try {
      await expect(mailer.send(passwordResetMail('grace@example.org', LINK, 3_600_000))).resolves.toBe(true);
      const mail = await catcher.waitFor({ to: 'grace@example.org' });
      expect(mail).toMatchObject({ from: 'no-reply@leap.localhost', subject: 'Reset your LEAP password', links: [LINK] });
      expect(mail.text).toContain('valid for 1 hour');
      expect(mail.html).toContain(`href="${LINK}"`);
    } finally {
      await mailer.onApplicationShutdown();
      await catcher.close();
    }
  });

  it('writes mails to the service log at info level when SMTP_URL is not set: the token shown apart in development only', async () => {
    const token = 'Abc_def-123';
    const link = `http://localhost:3000/api/v1/auth/verify-email?token=${token}`;
    const serviceLog = (env: string) => {
      const memory = createMemoryTransport();
      return { memory, logger: createServiceLogger({ service: 'gateway', env, format: 'json', transports: [memory.transport] }) };
    };

    const development = serviceLog('development');
    const mailer = new Mailer({ SMTP_URL: undefined, MAIL_FROM: FROM, NODE_ENV: 'development' }, development.logger);
    mailer.onApplicationBootstrap();
    await expect(mailer.send(verificationMail('ada@example.org', link, 86_400_000))).resolves.toBe(true);
    const [entry, ...others] = development.memory.entries();
    expect(others).toEqual([]);
    expect(entry).toMatchObject({ level: 'info', mail: { to: 'ada@example.org', subject: 'Confirm your email address for LEAP' } });
    const message = String(entry!.message);
    expect(message).toContain('Mail to ada@example.org');
    // The service log masks tokens in links; in development the token is written apart so the link can be followed.
    expect(message).toContain('verify-email?token=[REDACTED]');
    expect(message).toContain(`The log masks the token of the link; it is: ${token}`);

    const production = serviceLog('production');
    const quiet = new Mailer({ SMTP_URL: undefined, MAIL_FROM: FROM, NODE_ENV: 'production' }, production.logger);
    quiet.onApplicationBootstrap();
    await quiet.send(passwordResetMail('ada@example.org', link, 3_600_000));
    const [warning, logged] = production.memory.entries();
    expect(warning).toMatchObject({ level: 'warn', message: expect.stringContaining('SMTP_URL is not set') });
    expect(logged).toMatchObject({ level: 'info', message: expect.stringContaining('Reset your LEAP password') });
    expect(production.memory.lines.join('\n')).not.toContain(token);
  });

  it('logs a failed send instead of throwing, and waits for background sends on shutdown', async () => {
    const { logger, lines } = capturingLogger();
    const closedPort = await freePort();
    const mailer = new Mailer({ SMTP_URL: `smtp://127.0.0.1:${closedPort}`, MAIL_FROM: FROM, NODE_ENV: 'test' }, logger);
    await expect(mailer.send(verificationMail('ada@example.org', LINK, 86_400_000))).resolves.toBe(false);
    expect(lines).toEqual([{ level: 'error', message: expect.stringMatching(/^Could not send the mail "Confirm your email address for LEAP" to ada@example.org: /) }]);

    mailer.sendInBackground(verificationMail('bob@example.org', LINK, 86_400_000));
    await mailer.onApplicationShutdown();
    expect(lines[1]).toEqual({ level: 'error', message: expect.stringContaining('to bob@example.org') });
  });
});
