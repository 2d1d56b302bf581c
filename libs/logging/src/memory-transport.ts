import { Writable } from 'node:stream';
import winston, { transports } from 'winston';
import { MESSAGE } from './formats';

/** A transport that keeps every written line in memory, for tests that assert on log output. */
export interface MemoryTransport {
  transport: winston.transport;
  /** The lines as written (JSON or pretty text). */
  readonly lines: string[];
  /** The lines parsed as JSON (for the `json` format). */
  entries(): Array<Record<string, unknown>>;
  clear(): void;
}

export function createMemoryTransport(): MemoryTransport {
  const lines: string[] = [];
  const stream = new Writable({
    objectMode: true,
    write(info: Record<symbol, unknown>, _encoding, callback) {
      lines.push(String(info[MESSAGE]));
      callback();
    },
  });
  return {
    transport: new transports.Stream({ stream }),
    lines,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    clear: () => {
      lines.length = 0;
    },
  };
}
