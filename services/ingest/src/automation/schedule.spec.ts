import { LeapError } from '@leap/errors';
import { cronPattern, nextRunAt, parseSchedule, shortestGapHours } from './schedule';

const at = (iso: string) => new Date(iso);
const next = (raw: unknown, after: string) => nextRunAt(parseSchedule(raw), at(after))?.toISOString();

describe('automation schedule → next run', () => {
  it('fires at a time of day in its time zone, in UTC', () => {
    expect(next({ type: 'time_of_day', time: '09:30', timezone: 'Europe/Moscow' }, '2026-06-01T00:00:00Z')).toBe('2026-06-01T06:30:00.000Z');
    expect(next({ type: 'time_of_day', time: '09:30', timezone: 'Europe/Moscow' }, '2026-06-01T06:30:00Z')).toBe('2026-06-02T06:30:00.000Z');
    expect(next({ type: 'time_of_day', time: '09:30', timezone: 'America/New_York' }, '2026-06-01T00:00:00Z')).toBe('2026-06-01T13:30:00.000Z');
  });

  it('defaults to Europe/Moscow, as the reference does', () => {
    expect(parseSchedule({ type: 'time_of_day', time: '08:00' })).toEqual({ type: 'time_of_day', time: '08:00', timezone: 'Europe/Moscow' });
  });

  it('follows DST: the same wall-clock time moves in UTC, a missing hour fires just after, a repeated one once', () => {
    const berlin = { type: 'time_of_day', time: '09:00', timezone: 'Europe/Berlin' };
    expect(next(berlin, '2026-03-28T12:00:00Z')).toBe('2026-03-29T07:00:00.000Z'); // CEST from 29 March
    expect(next(berlin, '2026-03-27T12:00:00Z')).toBe('2026-03-28T08:00:00.000Z'); // still CET
    // 02:30 does not exist on 29 March 2026 in Berlin: the fire is at 03:00 CEST.
    expect(next({ type: 'time_of_day', time: '02:30', timezone: 'Europe/Berlin' }, '2026-03-28T12:00:00Z')).toBe('2026-03-29T01:00:00.000Z');
    // 02:30 happens twice on 25 October 2026: one fire.
    const fall = parseSchedule({ type: 'time_of_day', time: '02:30', timezone: 'Europe/Berlin' });
    const first = nextRunAt(fall, at('2026-10-24T12:00:00Z'))!;
    const second = nextRunAt(fall, first)!;
    expect(second.getTime() - first.getTime()).toBeGreaterThanOrEqual(24 * 3_600_000);
  });

  it('fires on the named weekdays (0 = Monday … 6 = Sunday)', () => {
    const schedule = parseSchedule({ type: 'weekdays', days: [6, 0], time: '18:00', timezone: 'UTC' });
    expect(cronPattern(schedule)).toBe('0 18 * * 1,0');
    // 2026-06-03 is a Wednesday: next is Sunday 7 June, then Monday 8 June.
    const sunday = nextRunAt(schedule, at('2026-06-03T00:00:00Z'))!;
    expect(sunday.toISOString()).toBe('2026-06-07T18:00:00.000Z');
    expect(nextRunAt(schedule, sunday)!.toISOString()).toBe('2026-06-08T18:00:00.000Z');
  });

  it('fires every N hours on the hour, local to its zone', () => {
    expect(next({ type: 'hours', hours: 6, timezone: 'UTC' }, '2026-06-01T07:10:00Z')).toBe('2026-06-01T12:00:00.000Z');
    expect(next({ type: 'hours', hours: 6, timezone: 'Asia/Kolkata' }, '2026-06-01T07:10:00Z')).toBe('2026-06-01T12:30:00.000Z');
    expect(shortestGapHours(parseSchedule({ type: 'hours', hours: 6, timezone: 'UTC' }), at('2026-06-01T00:00:00Z'))).toBe(6);
  });

  it('takes a cron expression, seconds included', () => {
    expect(next({ type: 'cron', expression: '15 3 * * *', timezone: 'UTC' }, '2026-06-01T04:00:00Z')).toBe('2026-06-02T03:15:00.000Z');
    expect(next({ type: 'cron', expression: '*/20 * * * * *', timezone: 'UTC' }, '2026-06-01T00:00:05Z')).toBe('2026-06-01T00:00:20.000Z');
  });

  it('measures the shortest gap over a week, not only the next two fires', () => {
    const tuesday = at('2026-06-02T00:00:00Z');
    expect(shortestGapHours(parseSchedule({ type: 'cron', expression: '0 9,10 * * 1', timezone: 'UTC' }), tuesday)).toBe(1);
    expect(shortestGapHours(parseSchedule({ type: 'time_of_day', time: '09:00', timezone: 'UTC' }), tuesday)).toBe(24);
  });

  it.each([
    [{ type: 'minutes' }, 'type must be'],
    [{ type: 'time_of_day', time: '25:00' }, 'time must be HH:MM'],
    [{ type: 'hours', hours: 0 }, 'hours must be'],
    [{ type: 'weekdays', days: [7], time: '10:00' }, 'days must list'],
    [{ type: 'cron', expression: 'every day' }, 'schedule:'],
    [{ type: 'time_of_day', time: '10:00', timezone: 'Mars/Olympus' }, 'not an IANA time zone'],
    ['daily', 'must be an object'],
  ])('refuses %j with a 422 that says why', (raw, message) => {
    let error: unknown;
    try {
      parseSchedule(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LeapError);
    expect(error).toMatchObject({ code: 'AUTOMATION.INVALID_SCHEDULE', status: 422 });
    expect((error as Error).message).toContain(message);
  });
});
