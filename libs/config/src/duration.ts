/** Units a duration may use, in milliseconds. */
const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/i;

export const DURATION_HINT = 'a duration such as 250ms, 10s, 1m, 2h or 30d';

/**
 * Parses a duration written as a number and a unit (`250ms`, `10s`, `1m`, `2h`, `30d`, `1w`;
 * decimals allowed: `1.5h`) into milliseconds. A bare number is refused: the unit is what
 * makes `10` unambiguous. Throws on anything else.
 */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not ${DURATION_HINT}`);
  const ms = Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]!;
  if (!Number.isFinite(ms)) throw new Error(`"${text}" is not ${DURATION_HINT}`);
  return Math.round(ms);
}

/** Parses a comma-separated list of durations (`10s,1m,10m`) into milliseconds, in order. */
export function parseDurationList(text: string): number[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map(parseDuration);
}

/**
 * Writes milliseconds back in the largest unit that divides them exactly
 * (`600000` -> `10m`, `1500` -> `1500ms`). Used to name retry queues (`<queue>.retry.10s`).
 */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`cannot format ${ms} as a duration`);
  if (ms === 0) return '0ms';
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = DURATION_UNITS[unit]!;
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1_000,
  mb: 1_000_000,
  gb: 1_000_000_000,
  tb: 1_000_000_000_000,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

const BYTE_SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i;

export const BYTE_SIZE_HINT = 'a size in bytes such as 1048576, 500MB or 5GiB';

/** Parses a size (`5368709120`, `500MB`, `5GiB`; KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB of 1024) into bytes. */
export function parseByteSize(text: string): number {
  const match = BYTE_SIZE_PATTERN.exec(text.trim());
  const unit = match ? (match[2] ?? 'b').toLowerCase() : undefined;
  const factor = unit === undefined ? undefined : BYTE_UNITS[unit];
  if (!match || factor === undefined) throw new Error(`"${text}" is not ${BYTE_SIZE_HINT}`);
  const bytes = Number(match[1]) * factor;
  if (!Number.isSafeInteger(Math.round(bytes))) throw new Error(`"${text}" is too large`);
  return Math.round(bytes);
}
