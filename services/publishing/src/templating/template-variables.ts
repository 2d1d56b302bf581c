import { formatList, type ListDisplay, type ListItem } from './display-formats';

/** What is known of a recording when its metadata is rendered. */
export interface RecordingFacts {
  recordingId: string;
  /** The recording's name (the Zoom topic, the file or video title). */
  displayName: string;
  originalTitle?: string;
  durationSeconds?: number;
  summary?: string;
  /** Main topics, most important first. */
  mainTopics?: string[];
  /** Topics with their start times (seconds). */
  topics?: ListItem[];
  questions?: ListItem[];
  recordedAt?: Date;
  /** When it is published (now for an upload). */
  publishedAt: Date;
}

/** Date and time parts in one time zone. */
function partsIn(date: Date, timeZone: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string> {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** `+03:00`: the zone's offset from UTC at that moment. */
function offsetOf(date: Date, timeZone: string): string {
  const p = partsIn(date, timeZone);
  const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  const minutes = Math.round((local - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The reference's date variables for one moment (`record_` or `publish_` in front of each). */
export function dateVariables(prefix: 'record' | 'publish', date: Date | undefined, timeZone: string): Record<string, string> {
  const names = ['date', 'datetime', 'date_iso', 'date_short', 'time_hm', 'datetime_iso', 'timestamp_local', 'time'];
  if (!date) return Object.fromEntries(names.map((n) => [`${prefix}_${n}`, '']));
  const p = partsIn(date, timeZone);
  const values: Record<string, string> = {
    date: `${p.day}.${p.month}.${p.year}`,
    datetime: `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}`,
    date_iso: `${p.year}-${p.month}-${p.day}`,
    date_short: `${p.day}.${p.month}`,
    time_hm: `${p.hour}:${p.minute}`,
    datetime_iso: `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offsetOf(date, timeZone)}`,
    timestamp_local: `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`,
    time: `${p.hour}:${p.minute}:${p.second}`,
  };
  return Object.fromEntries(names.map((n) => [`${prefix}_${n}`, values[n]!]));
}

/** `1:05` (hours and minutes) for a duration in seconds. */
export function durationHm(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '';
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * The variables a metadata template sees, named as the reference names them, so its templates
 * carry over: `display_name`, `original_title`, `recording_id`, `duration`, `duration_hm`,
 * `summary`, `themes` (the first three main topics) and its alias `topic`, `topics` and
 * `questions` (formatted by their display options), the `record_*` and `publish_*` dates in the
 * owner's time zone, and `date` (the record date). `title` is added once the title is rendered.
 */
export function templateVariables(
  facts: RecordingFacts,
  options: { timeZone: string; topicsDisplay: ListDisplay; questionsDisplay: ListDisplay },
): Record<string, string> {
  const themes = (facts.mainTopics ?? []).slice(0, 3).join(', ');
  const record = dateVariables('record', facts.recordedAt, options.timeZone);
  return {
    display_name: facts.displayName,
    original_title: facts.originalTitle ?? facts.displayName,
    recording_id: facts.recordingId,
    duration: facts.durationSeconds === undefined ? '' : String(Math.round(facts.durationSeconds)),
    duration_hm: durationHm(facts.durationSeconds),
    summary: facts.summary ?? '',
    themes,
    topic: themes,
    topics: formatList(facts.topics ?? [], options.topicsDisplay),
    questions: formatList(facts.questions ?? [], options.questionsDisplay),
    ...record,
    ...dateVariables('publish', facts.publishedAt, options.timeZone),
    date: record.record_date!,
  };
}
