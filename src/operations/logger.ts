import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import { type DestinationStream, type Logger, type LevelWithSilent, pino } from 'pino';
import type { LogLevel as RelataLogLevel } from '../config/config';
import { LogCorrelation } from '../shared/logging/log-correlation';

/** What every log line written while handling a request carries. */
export interface RequestLogContext {
  correlationId: string;
}

/**
 * Entered for each request only at LOG_LEVEL debug or trace (request-logging.ts), so that any
 * logger call during it finds the correlation id. At other levels lines about a request say so
 * explicitly (LogCorrelation): an async context per request costs every request's promises.
 */
export const requestLogContext = new AsyncLocalStorage<RequestLogContext>();

export interface JsonLoggerOptions {
  level: RelataLogLevel;
  /** Where the JSON lines go; default stdout, written synchronously so nothing is lost at exit. */
  destination?: DestinationStream;
}

/**
 * A pino logger writing one JSON object per line: time (ISO 8601), level (as a word), msg, and the
 * correlation id of the request being handled, if any.
 */
export function createJsonLogger(options: JsonLoggerOptions): Logger {
  return pino(
    {
      level: options.level as LevelWithSilent,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const context = requestLogContext.getStore();
        return context ? { correlationId: context.correlationId } : {};
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

type PinoMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's LoggerService on pino. Nest calls `log(message, context)` and `error(message, stack,
 * context)`; the context becomes a field, a stack a field of error lines.
 */
export class JsonLoggerService implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: PinoMethod, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const rest = params.filter((param) => param !== undefined && !(param instanceof LogCorrelation));
    const fields: Record<string, unknown> = {};
    const correlation = params.find((param): param is LogCorrelation => param instanceof LogCorrelation);
    if (correlation !== undefined) fields.correlationId = correlation.correlationId;
    // Nest appends the logger's context (a string) last.
    if (rest.length > 0 && typeof rest.at(-1) === 'string') fields.context = rest.pop();
    if (level === 'error' || level === 'fatal') {
      const stack = rest.find((param): param is string => typeof param === 'string');
      if (stack !== undefined) fields.stack = stack;
    }
    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      fields.data = message;
      this.pino[level](fields);
    } else {
      this.pino[level](fields, String(message));
    }
  }
}
