import { escapeHtml } from '../identity/html';
import type { OutgoingMail } from '../identity/mail/templates';

function mail(to: string, subject: string, lines: string[], link: { href: string; label: string } | undefined, unsubscribe: string): OutgoingMail {
  const footer = `You get this mail because notifications of this kind are on for your account. Turn them off: ${unsubscribe}`;
  return {
    to,
    subject,
    text: `${lines.join('\n\n')}\n\n${link ? `${link.label}: ${link.href}\n\n` : ''}--\n${footer}\n`,
    html: [
      '<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1d2330;line-height:1.5">',
      ...lines.map((l) => `<p>${escapeHtml(l)}</p>`),
      ...(link ? [`<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`] : []),
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

/** What a quota warning says about one metric: its name in the mail, and how to write its numbers. */
const METRICS: Record<string, { name: string; amount: (n: number) => string }> = {
  QUOTA_METRIC_RECORDINGS: { name: 'recordings this month', amount: (n) => `${n} recording${n === 1 ? '' : 's'}` },
  QUOTA_METRIC_STORAGE_BYTES: { name: 'storage', amount: formatBytes },
  QUOTA_METRIC_PROCESSING: { name: 'processing runs this month', amount: (n) => `${n} run${n === 1 ? '' : 's'}` },
  QUOTA_METRIC_TRANSCRIPTIONS: { name: 'transcriptions this month', amount: (n) => `${n} transcription${n === 1 ? '' : 's'}` },
};

/** What the limit reached means for each metric, and what comes once it is. */
const CONSEQUENCES: Record<string, { reached: string; ahead: string }> = {
  QUOTA_METRIC_RECORDINGS: {
    reached: 'New recordings are refused until the next period starts, or until your plan allows more.',
    ahead: 'Once the limit is reached, new recordings are refused.',
  },
  QUOTA_METRIC_STORAGE_BYTES: {
    reached: 'New recordings are refused until you free some space, or until your plan allows more.',
    ahead: 'Once the limit is reached, new recordings are refused.',
  },
  QUOTA_METRIC_PROCESSING: {
    reached: 'New recordings wait, paused, and runs you start are refused until the next period starts, or until your plan allows more.',
    ahead: 'Once the limit is reached, new recordings wait, paused, until the next period.',
  },
  QUOTA_METRIC_TRANSCRIPTIONS: {
    reached: 'Transcriptions are refused until the next period starts, or until your plan allows more.',
    ahead: 'Once the limit is reached, transcriptions are refused.',
  },
};

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${Number(value.toFixed(1))} ${units[unit]}`;
}

/** "You have used 80 % of your recordings this month". */
export function quotaWarningMail(
  to: string,
  warning: { metric: string; used: number; limit: number; thresholdPercent: number; period: string },
  unsubscribe: string,
): OutgoingMail {
  const metric = METRICS[warning.metric] ?? { name: warning.metric.replace(/^QUOTA_METRIC_/, '').toLowerCase().replace(/_/g, ' '), amount: String };
  const full = warning.thresholdPercent >= 100;
  const usage = `You have used ${metric.amount(warning.used)} of ${metric.amount(warning.limit)} (${metric.name}, period ${warning.period}).`;
  return mail(
    to,
    full ? `Limit reached: ${metric.name}` : `${warning.thresholdPercent} % used: ${metric.name}`,
    [
      full ? `You have reached the limit of your plan for ${metric.name}.` : `You have used ${warning.thresholdPercent} % of the limit of your plan for ${metric.name}.`,
      usage,
      full ? (CONSEQUENCES[warning.metric] ?? CONSEQUENCES.QUOTA_METRIC_RECORDINGS!).reached : (CONSEQUENCES[warning.metric] ?? CONSEQUENCES.QUOTA_METRIC_RECORDINGS!).ahead,
    ],
    undefined,
    unsubscribe,
  );
}
