/** The mails a user can switch off, by the name used in links and in the API. */
export const NOTIFICATION_KINDS = {
  'recording-ready': { field: 'recordingReady', column: 'recording_ready', label: 'a recording is ready' },
  'recording-failed': { field: 'recordingFailed', column: 'recording_failed', label: 'the processing of a recording failed' },
  'quota-warning': { field: 'quotaWarning', column: 'quota_warning', label: 'your usage nears or reaches a limit of your plan' },
} as const;

export type NotificationKind = keyof typeof NOTIFICATION_KINDS;
export type NotificationField = (typeof NOTIFICATION_KINDS)[NotificationKind]['field'];
export type NotificationPreferences = Record<NotificationField, boolean>;

export const KIND_NAMES = Object.keys(NOTIFICATION_KINDS) as [NotificationKind, ...NotificationKind[]];
