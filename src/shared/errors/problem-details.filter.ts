import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WrongExpectedRevisionError } from '../event-store/event-store.port';
import { LogCorrelation } from '../logging/log-correlation';
import { InvalidQueryError } from '../read-store/read-store.port';
import { NotCaughtUpError, RelataError, ValidationFailedError } from './domain-errors';

/** An RFC 7807 problem document as Relata returns it. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: { field: string; messages: string[] }[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'ROUTE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

function problemType(code: string): string {
  return `urn:relata:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

/** Maps any error to a problem document; pure, so it can be tested without HTTP. */
export function toProblem(error: unknown, instance?: string): ProblemDocument {
  if (error instanceof RelataError) {
    const problem: ProblemDocument = {
      type: problemType(error.code),
      title: TITLES[error.status] ?? 'Error',
      status: error.status,
      detail: error.message,
      code: error.code,
      instance,
    };
    if (error instanceof ValidationFailedError) problem.errors = error.errors;
    else Object.assign(problem, stringifyBigints(error.details));
    return problem;
  }
  if (error instanceof WrongExpectedRevisionError) {
    return {
      type: problemType('REVISION_CONFLICT'),
      title: TITLES[409],
      status: 409,
      detail: 'The resource was changed by another request; reload it and try again',
      code: 'REVISION_CONFLICT',
      instance,
      expectedRevision: String(error.expected),
      actualRevision: error.actual === 'no_stream' ? null : String(error.actual),
    };
  }
  if (isStorageFull(error)) {
    return {
      type: problemType('STORAGE_FULL'),
      title: TITLES[503],
      status: 503,
      detail: 'The server has no storage space left: nothing was recorded; retry once an operator has freed space',
      code: 'STORAGE_FULL',
      instance,
    };
  }
  if (error instanceof InvalidQueryError) {
    return { type: problemType('INVALID_QUERY'), title: TITLES[400], status: 400, detail: error.message, code: 'INVALID_QUERY', instance };
  }
  const status = httpStatusOf(error);
  if (status !== undefined && (status < 500 || status === 503)) {
    const code = HTTP_CODES[status] ?? 'BAD_REQUEST';
    return { type: problemType(code), title: TITLES[status] ?? 'Error', status, detail: httpMessageOf(error, status), code, instance };
  }
  return {
    type: problemType('INTERNAL_ERROR'),
    title: TITLES[500],
    status: 500,
    detail: 'An unexpected error occurred',
    code: 'INTERNAL_ERROR',
    instance,
  };
}

/**
 * MongoDB's OutOfDiskSpace: `{code: 14031, name: OutOfDiskSpace}` in src/mongo/base/error_codes.yml
 * of mongodb/mongo, raised e.g. when a write or an index build finds the disk full.
 */
const MONGO_OUT_OF_DISK_SPACE = 14031;
/** How far into nested errors (causes, write errors) a storage error is looked for. */
const MAX_ERROR_DEPTH = 4;

/**
 * Whether an error says the storage is full: the embedded stores' "database or disk is full", the
 * file system's "no space" or "quota exceeded", or MongoDB's OutOfDiskSpace wherever the driver
 * (mongodb 7, lib/error.js and lib/bulk/common.js) puts a server's code: on a MongoServerError
 * itself (`code`, `codeName`, both copied from the server's reply), on its `errorResponse`, in a
 * MongoBulkWriteError's `writeErrors` (an array of WriteError), a MongoClientBulkWriteError's
 * (a Map), a MongoWriteConcernError's `writeConcernError` (via `result`), or on an error's `cause`.
 *
 * EventStoreDB has no such error: @eventstore/db-client 6 defines no error type for a full disk
 * (its ErrorType list in dist/utils/CommandError.d.ts), and the server stops when its disk fills
 * (kurrent-io/KurrentDB issues 2849 and 3452: "System.IO.IOException: No space left on device",
 * then a crash), so the client only sees a generic UnavailableError or UnknownError, which cannot
 * be told from any other outage and is left a 500.
 */
function isStorageFull(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > MAX_ERROR_DEPTH) return false;
  const candidate = error as {
    code?: unknown;
    codeName?: unknown;
    errorResponse?: unknown;
    writeErrors?: unknown;
    result?: unknown;
    writeConcernError?: unknown;
    cause?: unknown;
  };
  const code = candidate.code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true;
  // Number(): the driver hands out a BSON Int32 when values are not promoted.
  if ((code !== undefined && code !== null && Number(code) === MONGO_OUT_OF_DISK_SPACE) || candidate.codeName === 'OutOfDiskSpace')
    return true;
  const nested: unknown[] = [candidate.errorResponse, candidate.writeConcernError, candidate.cause];
  const result = candidate.result as { writeConcernError?: unknown } | null | undefined;
  if (typeof result === 'object' && result !== null) nested.push(result.writeConcernError);
  const writeErrors = candidate.writeErrors;
  if (Array.isArray(writeErrors)) nested.push(...writeErrors.slice(0, 10));
  else if (writeErrors instanceof Map) nested.push(...[...writeErrors.values()].slice(0, 10));
  return nested.some((inner) => inner !== error && isStorageFull(inner, depth + 1));
}

/** Status of Nest's HttpException and of Fastify's own errors (bad JSON, body too large, ...). */
function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const status = (error as { statusCode: unknown }).statusCode;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

function httpMessageOf(error: unknown, status: number): string {
  if (error instanceof HttpException) {
    const response = error.getResponse();
    if (typeof response === 'string') return response;
    const message = (response as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.join('; ');
  }
  if (error instanceof Error && error.message) return error.message;
  return TITLES[status] ?? 'Error';
}

/** The members RFC 7807 and Relata define; an error's details never overwrite them. */
const RESERVED_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'code', 'instance', 'errors', 'correlationId']);

/** An error's details become extension members of the problem, JSON-safe. */
function stringifyBigints(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (!RESERVED_MEMBERS.has(key)) out[key] = typeof value === 'bigint' ? value.toString() : value;
  }
  return out;
}

/**
 * Told about every problem answered, e.g. to log refused commands (the audit's rejection log).
 * It decides itself what to keep; it must never keep request bodies (personal data).
 */
export interface ProblemSink {
  record(problem: ProblemDocument, request: FastifyRequest): Promise<void>;
}

/** Injection token of the optional ProblemSink the filter reports to. */
export const PROBLEM_SINK = Symbol('PROBLEM_SINK');

/** The one place where errors become HTTP responses (application/problem+json). */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly sink?: ProblemSink) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = toProblem(exception, request.url?.split('?')[0]);
    const correlationId = request.headers['x-correlation-id'];
    const about = new LogCorrelation(typeof correlationId === 'string' ? correlationId : '');
    if (problem.code === 'INTERNAL_ERROR') {
      // Only the error's class and message: request bodies may hold personal data.
      const name = exception instanceof Error ? exception.name : typeof exception;
      const message = exception instanceof Error ? exception.message : '';
      this.logger.error(
        `${request.method} ${problem.instance}: ${name}: ${message}`,
        exception instanceof Error ? exception.stack : undefined,
        about,
      );
    } else if (problem.status >= 500) {
      // An answer the API gives on purpose (503 READ_MODEL_NOT_CAUGHT_UP, a server shutting down):
      // worth a warning in the operator's log, but no stack, since nothing broke.
      this.logger.warn(`${request.method} ${problem.instance}: ${problem.status} ${problem.code}: ${problem.detail}`, about);
    }
    if (exception instanceof NotCaughtUpError) reply.header('Retry-After', String(exception.retryAfterSeconds));
    if (typeof correlationId === 'string') problem.correlationId = correlationId;
    if (this.sink) {
      // Recording must never change or delay the answer: a failure is logged and the response goes out.
      const sink = this.sink;
      Promise.resolve()
        .then(() => sink.record(problem, request))
        .catch((error: unknown) =>
          this.logger.warn(`Problem not recorded: ${error instanceof Error ? error.message : String(error)}`, about),
        );
    }
    void reply.status(problem.status).header('Content-Type', 'application/problem+json').send(problem);
  }
}
