import type { INestApplicationContext } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ComplaintStreams } from '../complaints/complaint.streams';
import { CustomerStreams } from '../customers/customer.streams';
import { RegisterCustomerCommand } from '../customers/customer-command.handlers';
import { RegisterCustomerDto } from '../customers/dto/customer-commands.dto';
import type { CommandContext } from '../shared/decider/command-context';
import { RelataError, ValidationFailedError } from '../shared/errors/domain-errors';
import { isAfter, parsePosition, type Position, WrongExpectedRevisionError } from '../shared/event-store/event-store.port';
import { relataValidationPipe } from '../shared/http/validation';
import { deterministicUuid, ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { importIdempotencyKey } from './deterministic-ids';
import type { ImportSourceKind } from './import-records';
import { ImportReport } from './import-report';
import type { ImportProgress } from './progress-bar';

/** The API's answer to a command, as far as the importer needs it. */
export interface CommandAnswer {
  id: string;
  position: string | null;
  replayed: boolean;
}

/** A command that was refused: the record is skipped with this code. */
export class RecordRefused extends Error {
  constructor(
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

/** The id RegisterCustomerHandler gives a customer registered with this Idempotency-Key. */
export const customerIdForKey = (idempotencyKey: string): string => deterministicUuid(`customer:${idempotencyKey}`);

export function refusalFrom(error: unknown): RecordRefused | null {
  if (error instanceof RecordRefused) return error;
  if (error instanceof ValidationFailedError) {
    return new RecordRefused(error.code, error.errors.map((e) => `${e.field}: ${e.messages.join('; ')}`).join(', '));
  }
  if (error instanceof RelataError) return new RecordRefused(error.code, error.message);
  // Another writer changed the stream twice while the processor retried: the record is left for a rerun.
  if (error instanceof WrongExpectedRevisionError) return new RecordRefused(error.code, error.message);
  return null;
}

/**
 * One import run's link to the application and its tally: commands go through the command bus
 * with the API's request validation, and every outcome lands in the report and the progress.
 */
export class ImportSession {
  readonly report: ImportReport;
  readonly progress: ImportProgress;
  readonly customers = { registered: 0, alreadyRegistered: 0 };
  /** Highest global position the run's commands reached (written or replayed). */
  lastPosition: Position | null = null;
  private readonly bus: CommandBus;
  /** Commands on the customer's or complaint's own stream go to the bound deciders, as the controllers' do. */
  readonly customerStream: CustomerStreams['customer'];
  readonly complaintStream: ComplaintStreams['complaint'];
  private readonly correlationId: string;
  private readonly pipe = relataValidationPipe();
  private readonly started = performance.now();

  constructor(
    app: INestApplicationContext,
    /** The import kind: the report's and, as importer:<kind>, the commands' actor. */
    private readonly kind: string,
    totalBytes: number,
    private readonly onProgress: ((progress: ImportProgress) => void) | undefined,
  ) {
    this.bus = app.get(CommandBus);
    this.customerStream = app.get(CustomerStreams).customer;
    this.complaintStream = app.get(ComplaintStreams).complaint;
    this.correlationId = app.get<IdGenerator>(ID_GENERATOR).next();
    this.report = new ImportReport(kind);
    this.progress = {
      bytesRead: 0,
      totalBytes,
      records: 0,
      imported: 0,
      alreadyImported: 0,
      skipped: 0,
      duplicates: 0,
      commands: 0,
      elapsedMs: 0,
    };
  }

  elapsedMs(): number {
    return performance.now() - this.started;
  }

  emit(): void {
    if (!this.onProgress) return;
    this.progress.elapsedMs = this.elapsedMs();
    this.onProgress({ ...this.progress });
  }

  context(idempotencyKey: string): CommandContext {
    return {
      actor: `importer:${this.kind}`,
      correlationId: this.correlationId,
      // As the API does for a request with an Idempotency-Key: a rerun keeps the causation ids.
      commandId: deterministicUuid(`command:${idempotencyKey}`),
      idempotencyKey,
    };
  }

  /** Sends a command (over the bus, or a call to a bound decider) and notes its position; refusals become RecordRefused. */
  async send(command: Parameters<CommandBus['execute']>[0] | (() => Promise<CommandAnswer>)): Promise<CommandAnswer> {
    this.progress.commands += 1;
    let answer: CommandAnswer;
    try {
      answer = typeof command === 'function' ? await command() : ((await this.bus.execute(command)) as CommandAnswer);
    } catch (error) {
      throw refusalFrom(error) ?? error;
    }
    if (answer.position !== null) {
      const position = parsePosition(answer.position);
      if (this.lastPosition === null || isAfter(position, this.lastPosition)) this.lastPosition = position;
    }
    return answer;
  }

  /** The API's request validation (the controllers' DTO classes and pipe). */
  async validated<T>(metatype: new () => T, body: object): Promise<T> {
    try {
      return (await this.pipe.transform(body, { type: 'body', metatype })) as T;
    } catch (error) {
      throw refusalFrom(error) ?? error;
    }
  }

  /** customerSince: when they became a customer in the source (business time); sourceId: their id there, when they have one. */
  async registerCustomer(
    source: ImportSourceKind,
    customerKey: string,
    name: string,
    customerSince: string,
    sourceId: string | null,
  ): Promise<string> {
    const key = importIdempotencyKey(source, 'customer', customerKey);
    const dto = await this.validated(RegisterCustomerDto, {
      kind: 'customer',
      name,
      acquisitionChannel: 'import',
      customerSince,
      ...(sourceId !== null ? { source: { system: source, id: sourceId } } : {}),
    });
    const answer = await this.send(new RegisterCustomerCommand(dto, this.context(key)));
    if (answer.id !== customerIdForKey(key)) {
      // The handler no longer derives ids from the key: reruns would duplicate customers.
      throw new Error(
        `RegisterCustomerHandler gave customer ${customerKey} the id ${answer.id}, not the id derived from its Idempotency-Key`,
      );
    }
    if (answer.replayed) this.customers.alreadyRegistered += 1;
    else this.customers.registered += 1;
    return answer.id;
  }

  /** Counts a record as imported, or as imported already when its command was a replay. */
  counted(answer: CommandAnswer, lines: number[], label: string): void {
    if (answer.replayed) {
      this.report.alreadyImported(lines, label);
      this.progress.alreadyImported += 1;
    } else {
      this.report.imported();
      this.progress.imported += 1;
    }
  }
}
