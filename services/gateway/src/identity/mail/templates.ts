import { escapeHtml, humanDuration } from '../html';

/** A mail ready to send: plain text with the link spelled out, and the same as simple HTML. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

function htmlBody(paragraphs: string[], link: string, action: string): string {
  const safeLink = escapeHtml(link);
  return [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1d2330;line-height:1.5">',
    ...paragraphs.slice(0, 1).map((p) => `<p>${escapeHtml(p)}</p>`),
    `<p><a href="${safeLink}" style="display:inline-block;padding:.6em 1.2em;background:#2456d6;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(action)}</a></p>`,
    `<p style="font-size:.9em;color:#5b6372">Or paste this address into your browser:<br>${safeLink}</p>`,
    ...paragraphs.slice(1).map((p) => `<p style="font-size:.9em;color:#5b6372">${escapeHtml(p)}</p>`),
    '</body></html>',
  ].join('\n');
}

/** "Confirm your address": sent at registration and on request. */
export function verificationMail(to: string, link: string, validForMs: number): OutgoingMail {
  const intro = 'Welcome to LEAP. Please confirm that this is your email address by opening the link below.';
  const outro = `The link is valid for ${humanDuration(validForMs)}. If you did not create a LEAP account, ignore this mail.`;
  return {
    to,
    subject: 'Confirm your email address for LEAP',
    text: `${intro}\n\n${link}\n\n${outro}\n`,
    html: htmlBody([intro, outro], link, 'Confirm my email address'),
  };
}

/** "Choose a new password": sent when someone asks to reset the password of the address. */
export function passwordResetMail(to: string, link: string, validForMs: number): OutgoingMail {
  const intro = 'Someone (hopefully you) asked to reset the password of your LEAP account. Open the link below to choose a new one.';
  const outro = `The link is valid for ${humanDuration(validForMs)} and works once. Resetting signs you out everywhere. If you did not ask for this, ignore this mail: your password stays as it is.`;
  return {
    to,
    subject: 'Reset your LEAP password',
    text: `${intro}\n\n${link}\n\n${outro}\n`,
    html: htmlBody([intro, outro], link, 'Choose a new password'),
  };
}
