import { escapeHtml } from '../identity/html';
import type { OutgoingMail } from '../identity/mail/templates';

function mail(to: string, subject: string, lines: string[], link: { href: string; label: string }, unsubscribe: string): OutgoingMail {
  const footer = `You get this mail because notifications of this kind are on for your account. Turn them off: ${unsubscribe}`;
  return {
    to,
    subject,
    text: `${lines.join('\n\n')}\n\n${link.label}: ${link.href}\n\n--\n${footer}\n`,
    html: [
      '<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1d2330;line-height:1.5">',
      ...lines.map((l) => `<p>${escapeHtml(l)}</p>`),
      `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`,
      `<p style="font-size:.85em;color:#5b6372">You get this mail because notifications of this kind are on for your account. <a href="${escapeHtml(unsubscribe)}">Turn them off</a>.</p>`,
      '</body></html>',
    ].join('\n'),
  };
}

/** "Your recording is ready". */
export function recordingReadyMail(to: string, title: string, recordingUrl: string, unsubscribe: string): OutgoingMail {
  return mail(to, `Ready: ${title}`, [`Your recording "${title}" has been processed and is ready.`], { href: recordingUrl, label: 'The recording' }, unsubscribe);
}

/** "Processing failed". */
export function recordingFailedMail(to: string, title: string, stage: string, reason: string, recordingUrl: string, unsubscribe: string): OutgoingMail {
  return mail(
    to,
    `Failed: ${title}`,
    [`The processing of your recording "${title}" failed${stage ? ` at ${stage}` : ''}.`, reason ? `Reason: ${reason}` : 'No reason was given.', 'You can run the failed stage again once the cause is fixed.'],
    { href: recordingUrl, label: 'The recording' },
    unsubscribe,
  );
}
