import { createTransport } from 'nodemailer';
import { startMailCatcher, type MailCatcher } from './mail-catcher';

describe('the mail catcher', () => {
  let catcher: MailCatcher;

  beforeAll(async () => {
    catcher = await startMailCatcher();
  });
  afterAll(() => catcher.close());

  it('receives what nodemailer sends to its URL, with any login, parsed with its links', async () => {
    expect(catcher.url).toBe(`smtp://user:pass@127.0.0.1:${catcher.port}`);
    const transport = createTransport(catcher.url);
    const waiting = catcher.waitFor({ to: 'Ada@Example.org', subject: 'Welcome' });
    await transport.sendMail({
      from: 'LEAP <no-reply@leap.localhost>',
      to: 'Ada <ada@example.org>',
      subject: 'Welcome aboard',
      text: 'Open https://leap.example/verify?token=abc_123 to go on.\nOr http://localhost:3000/x.',
      html: '<p>Open <a href="https://leap.example/verify?token=abc_123">this</a></p>',
    });
    const mail = await waiting;
    expect(mail).toMatchObject({
      to: ['ada@example.org'],
      from: 'no-reply@leap.localhost',
      subject: 'Welcome aboard',
      links: ['https://leap.example/verify?token=abc_123', 'http://localhost:3000/x'],
    });
    expect(mail.html).toContain('<a href="https://leap.example/verify?token=abc_123">');
    expect(catcher.messages).toHaveLength(1);

    // Already received: found at once, by predicate too.
    await expect(catcher.waitFor((m) => m.subject.startsWith('Welcome'), 10)).resolves.toBe(mail);
    transport.close();
  });

  it('tells what it did receive when nothing matches in time, and forgets everything on clear()', async () => {
    await expect(catcher.waitFor({ to: 'nobody@example.org' }, 100)).rejects.toThrow(/No mail matching .*nobody@example.org.* within 100 ms \(received: ada@example.org: Welcome aboard\)/);
    catcher.clear();
    expect(catcher.messages).toEqual([]);
  });
});
