import { escapeHtml } from '../identity/html';
import type { OutgoingMail } from '../identity/mail/templates';

/** "Your webhook was disabled": sent to the owner when deliveries kept failing. */
export function webhookDisabledMail(to: string, url: string, reason: string, link: string): OutgoingMail {
  const intro = `LEAP stopped sending events to your webhook at ${url}: ${reason}.`;
  const outro = 'Fix the receiver, then enable the subscription again (PATCH it with "enabled": true). Deliveries that failed can be sent again from its delivery log.';
  return {
    to,
    subject: 'Your LEAP webhook was disabled',
    text: `${intro}\n\n${outro}\n\n${link}\n`,
    html: `<!doctype html><html><body><p>${escapeHtml(intro)}</p><p>${escapeHtml(outro)}</p><p>${escapeHtml(link)}</p></body></html>`,
  };
}
