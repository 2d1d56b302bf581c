/** The few logging calls the messaging library makes; any winston logger fits. */
export interface MessagingLogger {
  debug?(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export const silentLogger: MessagingLogger = { info() {}, warn() {}, error() {} };
