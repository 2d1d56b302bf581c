import winston, { createLogger as createWinstonLogger, format, Logger, transports as winstonTransports } from 'winston';
import { contextFormat, errorsFormat, jsonLineFormat, prettyLineFormat, redactFormat } from './formats';

export type LogFormat = 'json' | 'pretty';

export interface CreateLoggerOptions {
  /** The service name, as in `services/<name>`; written on every line. */
  service: string;
  /** Written on every line; `0.0.0` when absent. */
  version?: string;
  /** The runtime mode (NODE_ENV); written on every line. Default: `process.env.NODE_ENV` or `development`. */
  env?: string;
  /** Lowest level written (winston npm levels). Default: `info`. */
  level?: string;
  /** `json` for machines, `pretty` for people. Default: `pretty` in development, `json` otherwise. */
  format?: LogFormat;
  /** Colours in the pretty format. Default: on unless the NO_COLOR variable is set. */
  colors?: boolean;
  /** Where lines go. Default: standard output. */
  transports?: winston.transport[];
}

/**
 * A winston logger whose every line carries service, version, env, timestamp, level and message,
 * the fields of the current `logContext` (request, trace, span, user, recording, message and
 * correlation ids) and any meta given, with secrets redacted.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const env = options.env ?? process.env.NODE_ENV ?? 'development';
  const style = options.format ?? (env === 'development' ? 'pretty' : 'json');
  const colors = options.colors ?? process.env.NO_COLOR === undefined;
  return createWinstonLogger({
    level: options.level ?? 'info',
    defaultMeta: { service: options.service, version: options.version ?? '0.0.0', env },
    format: format.combine(
      errorsFormat({ baseFields: ['service', 'version', 'env'] }),
      contextFormat(),
      redactFormat(),
      format.timestamp(),
      style === 'json' ? jsonLineFormat() : prettyLineFormat({ colors }),
    ),
    transports: options.transports ?? [new winstonTransports.Console()],
    exitOnError: false,
  });
}

/** The logging keys of a loaded service configuration (see @leap/config). */
export interface LoggingConfig {
  NODE_ENV: string;
  LOG_LEVEL: string;
  LOG_FORMAT: LogFormat;
  SERVICE_VERSION: string;
}

/** `createLogger` options from a service's configuration. */
export function loggerOptionsFromConfig(service: string, config: LoggingConfig): CreateLoggerOptions {
  return { service, version: config.SERVICE_VERSION, env: config.NODE_ENV, level: config.LOG_LEVEL, format: config.LOG_FORMAT };
}
