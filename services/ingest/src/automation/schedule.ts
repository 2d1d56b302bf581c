import { Cron } from 'croner';
import { LeapError } from '@leap/errors';

/**
 * An automation job's schedule, as the reference stores it (§8): a time of day, every N hours, some
 * weekdays at a time, or a cron expression, each read in a time zone. Every kind becomes one cron
 * pattern and croner computes the fires, so time zones and DST follow the tz database (a local
 * time that does not exist on a spring-forward day fires at the first instant after it; a repeated
 * one fires once).
 */
export type AutomationSchedule =
  | { type: 'time_of_day'; time: string; timezone: string }
  | { type: 'hours'; hours: number; timezone: string }
  | { type: 'weekdays'; days: number[]; time: string; timezone: string }
  | { type: 'cron'; expression: string; timezone: string };

export const DEFAULT_TIMEZONE = 'Europe/Moscow';
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const HOUR = 3_600_000;

const invalid = (message: string) => new LeapError('AUTOMATION.INVALID_SCHEDULE', `schedule: ${message}`, { status: 422 });

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A schedule from a request body, or a 422 that says what is wrong with it. */
export function parseSchedule(raw: unknown): AutomationSchedule {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid('must be an object with a type');
  const input = raw as Record<string, unknown>;
  const timezone = input.timezone === undefined ? DEFAULT_TIMEZONE : input.timezone;
  if (typeof timezone !== 'string' || !validZone(timezone)) throw invalid(`timezone ${String(timezone)} is not an IANA time zone`);
  const time = () => {
    if (typeof input.time !== 'string' || !TIME.test(input.time)) throw invalid('time must be HH:MM (00:00 to 23:59)');
    return input.time;
  };
  let schedule: AutomationSchedule;
  switch (input.type) {
    case 'time_of_day':
      schedule = { type: 'time_of_day', time: time(), timezone };
      break;
    case 'hours': {
      const hours = input.hours;
      if (typeof hours !== 'number' || !Number.isInteger(hours) || hours < 1 || hours > 24) throw invalid('hours must be a whole number from 1 to 24');
      schedule = { type: 'hours', hours, timezone };
      break;
    }
    case 'weekdays': {
      const days = input.days;
      if (!Array.isArray(days) || days.length === 0 || days.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > 6)) {
        throw invalid('days must list weekdays from 0 (Monday) to 6 (Sunday)');
      }
      schedule = { type: 'weekdays', days: [...new Set(days as number[])].sort((a, b) => a - b), time: time(), timezone };
      break;
    }
    case 'cron': {
      if (typeof input.expression !== 'string' || input.expression.trim() === '') throw invalid('expression must be a cron expression');
      schedule = { type: 'cron', expression: input.expression.trim().replace(/\s+/g, ' '), timezone };
      break;
    }
    default:
      throw invalid('type must be time_of_day, hours, weekdays or cron');
  }
  try {
    cronOf(schedule);
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error));
  }
  return schedule;
}

/** The cron pattern of a schedule (weekdays: the reference counts 0 = Monday, cron 0 = Sunday). */
export function cronPattern(schedule: AutomationSchedule): string {
  const at = (time: string) => {
    const [h, m] = time.split(':').map(Number);
    return `${m} ${h}`;
  };
  switch (schedule.type) {
    case 'time_of_day':
      return `${at(schedule.time)} * * *`;
    case 'hours':
      return schedule.hours === 24 ? '0 0 * * *' : `0 */${schedule.hours} * * *`;
    case 'weekdays':
      return `${at(schedule.time)} * * ${schedule.days.map((d) => (d + 1) % 7).join(',')}`;
    case 'cron':
      return schedule.expression;
  }
}

function cronOf(schedule: AutomationSchedule): Cron {
  return new Cron(cronPattern(schedule), { timezone: schedule.timezone, paused: true });
}

/** The first fire strictly after `after`, in UTC; null when the pattern never fires again. */
export function nextRunAt(schedule: AutomationSchedule, after: Date): Date | null {
  return cronOf(schedule).nextRun(after);
}

/**
 * The shortest gap between consecutive fires over the coming weeks, in hours: what a plan's
 * minimum interval is checked against (the reference looks at the next two fires only, so
 * `0 9,10 * * 1` passed a 24 h minimum on a Tuesday; this looks at enough fires to cover a week
 * and a DST change).
 */
export function shortestGapHours(schedule: AutomationSchedule, from: Date, fires = 400): number {
  const runs = cronOf(schedule).nextRuns(fires, from);
  let gap = Infinity;
  for (let i = 1; i < runs.length; i += 1) gap = Math.min(gap, (runs[i].getTime() - runs[i - 1].getTime()) / HOUR);
  return gap;
}
