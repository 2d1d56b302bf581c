import type { LoggerService } from '@nestjs/common';
import type { Logger } from 'winston';

const STACK_LIKE = /^.+\n\s+at .+/s;

/**
 * Nest's `LoggerService` over a winston logger from `createLogger`: Nest's `log` is `info`,
 * `fatal` is `error` with `fatal: true`, and the context argument Nest appends
 * (`new Logger('RecordingsController')`) becomes the `context` field.
 *
 * `app.useLogger(new NestLogger(logger))`, or `NestFactory.create(AppModule, { logger: ... })`.
 */
export class NestLogger implements LoggerService {
  constructor(
    private readonly logger: Logger,
    private readonly context?: string,
  ) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('info', message, optionalParams, false);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams, true);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams, false);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams, false);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('verbose', message, optionalParams, false);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams, true, { fatal: true });
  }

  private write(level: string, message: unknown, optionalParams: unknown[], mayHaveStack: boolean, extra: Record<string, unknown> = {}): void {
    const params = [...optionalParams];
    let context = this.context;
    let stack: string | undefined;
    const last = params[params.length - 1];
    if (typeof last === 'string') {
      params.pop();
      if (mayHaveStack && STACK_LIKE.test(last)) stack = last;
      else context = last;
    }
    if (mayHaveStack && stack === undefined) {
      const index = params.findIndex((param) => typeof param === 'string' && STACK_LIKE.test(param));
      if (index !== -1) stack = params.splice(index, 1)[0] as string;
    }

    const meta: Record<string, unknown> = { ...extra };
    if (context !== undefined) meta.context = context;
    let text: string;
    if (message instanceof Error) {
      text = message.message;
      meta.error = message;
    } else if (typeof message === 'string') {
      text = message;
    } else if (typeof message === 'object' && message !== null) {
      const messageField = (message as { message?: unknown }).message;
      text = typeof messageField === 'string' ? messageField : '';
      meta.data = message;
    } else {
      text = String(message);
    }
    if (stack !== undefined && meta.error === undefined) {
      const error = new Error(text);
      error.stack = stack;
      meta.error = error;
    }
    for (const param of params) {
      if (param instanceof Error) meta.error ??= param;
      else if (typeof param === 'object' && param !== null && !Array.isArray(param)) Object.assign(meta, param);
      else ((meta.params ??= []) as unknown[]).push(param);
    }
    this.logger.log(level, text, meta);
  }
}
