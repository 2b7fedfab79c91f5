import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { CUSTOMER_SEGMENTS_LOOKUP, type CustomerSegmentsLookup } from './customer-segments-lookup';
import { customerDecider } from '../customers/customer.decider';
import { customerStream } from '../customers/customer.events';
import { departmentDecider, departmentStream } from '../departments/department.decider';
import { CLOCK, type Clock } from '../shared/clock';
import type { CommandContext } from '../shared/decider/command-context';
import { CommandProcessor, idempotentEventId, type Unstamped } from '../shared/decider/command-processor';
import { BusinessRuleViolation, RelataError } from '../shared/errors/domain-errors';
import { ANY, EVENT_STORE, type EventStore, type NewEvent } from '../shared/event-store/event-store.port';
import { type CommandResult, commandResult, createdId } from '../shared/http/command-response';
import { deterministicUuid, ID_GENERATOR, type IdGenerator } from '../shared/ids';
import type { ComplaintCommand } from './complaint.decider';
import {
  type CloseReason,
  type ComplaintChannel,
  type ComplaintRegistered,
  type ComplaintSourceAttributes,
  complaintStream,
  type Difficulty,
} from './complaint.events';
import { ComplaintStreams } from './complaint.streams';
import type { Severity } from './sla-policy';
import { CURRENT_SLA_POLICY_ID, policyInForce } from './sla-policy-registry';

/**
 * Steps whose command needs nothing but the request and its actor: the controller sends them
 * straight to the bound complaint decider (ComplaintStreams).
 */
export type PlainStep = Unstamped<
  Extract<
    ComplaintCommand,
    {
      type:
        | 'AcknowledgeComplaint'
        | 'AssessValidity'
        | 'HoldComplaint'
        | 'ResumeComplaint'
        | 'AddInvestigationNote'
        | 'RecordRootCause'
        | 'CompleteAction'
        | 'RecordProgressUpdate'
        | 'ResolveComplaint'
        | 'CommunicateDecision'
        | 'AcceptResolution'
        | 'RejectResolution'
        | 'RecordSatisfaction';
    }
  >
>;

/** Steps the handler completes with facts from configuration or other streams (ExecuteComplaintCommand). */
export type EnrichedStep =
  | Unstamped<Extract<ComplaintCommand, { type: 'AssignComplaint' | 'OpenAction' }>>
  | { type: 'GradeComplaint'; data: { severity: Severity; difficulty: Difficulty } }
  | { type: 'EscalateComplaint'; data: { reason: string; by: string } }
  | { type: 'CloseComplaint'; data: { reason: CloseReason; duplicateOf: string | null } }
  | { type: 'ReopenComplaint'; data: { reason: string } };

// ------------------------------------------------------------------ messages (CommandBus)

export interface RegisterComplaintInput {
  customerId: string;
  channel: ComplaintChannel;
  category: string;
  subCategory: string | null;
  product: string | null;
  description: string;
  remedySought: string | null;
  occurredAt: string;
  followUpOf: string | null;
  /** Business times of a complaint received (and acknowledged) before it is registered, e.g. imported; default now. */
  receivedAt?: string;
  acknowledgedAt?: string;
  source?: { system: string; id: string } | null;
  /** Importers only (not part of the HTTP API): the source's own values, and its closure (business time). */
  sourceAttributes?: ComplaintSourceAttributes | null;
  closedAt?: string;
}

export class RegisterComplaintCommand extends Command<CommandResult & { number: string }> {
  constructor(
    readonly data: RegisterComplaintInput,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** A step after registration that needs facts from configuration or other streams. */
export class ExecuteComplaintCommand extends Command<CommandResult> {
  constructor(
    readonly complaintId: string,
    readonly step: EnrichedStep,
    readonly context: CommandContext,
    /** Ids of created things to echo back, e.g. { actionId }. */
    readonly created: Record<string, string> = {},
  ) {
    super();
  }
}

// ------------------------------------------------------------------ complaint numbers

/** The stream that hands out one year's complaint numbers: the n-th event (revision n-1) is number n. */
export const complaintNumberStream = (year: number): string => `complaint-numbers-${year}`;

export const formatComplaintNumber = (year: number, sequence: bigint): string => `CMP-${year}-${sequence.toString().padStart(6, '0')}`;

/** Stands in for the number while deciding whether a registration passes (never stored). */
const UNALLOCATED = 'CMP-0000-000000';

/**
 * Readable numbers CMP-YYYY-NNNNNN, sequential per year: one counter stream per year, appended with
 * the expected revision (a concurrent registration makes the append fail, and it is retried on the
 * new last revision); the appended event's revision + 1 is the sequence. Numbers are taken after
 * every rule has passed, so only a crash between the two appends can leave a gap.
 *
 * With an Idempotency-Key the counter event's id is derived from the key and appended with
 * expectation `any`: the store recognises an id it already holds and returns the original
 * revision, so a retry after a failure between the allocation and the registration reuses its
 * number instead of burning another. (SQLite guarantees this; EventStoreDB's idempotence for
 * `any` covers recent appends, which is what a retry is.)
 */
class ComplaintNumbers {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async allocate(complaintId: string, context: CommandContext): Promise<string> {
    const now = this.clock.now().toISOString();
    const year = new Date(now).getUTCFullYear();
    const stream = complaintNumberStream(year);
    const event = (id: string): NewEvent => ({
      id,
      type: 'ComplaintNumberAllocated',
      data: { complaintId, year },
      metadata: {
        actor: context.actor,
        correlationId: context.correlationId,
        causationId: context.commandId,
        occurredAt: now,
        recordedAt: now,
        schemaVersion: 1,
      },
    });
    if (context.idempotencyKey) {
      const keyed = event(deterministicUuid(`complaint-number:${context.idempotencyKey}`));
      const appended = await this.store.appendToStream(stream, [keyed], { expectedRevision: ANY });
      return formatComplaintNumber(year, appended.nextExpectedRevision + 1n);
    }
    // The store gives each append the next revision atomically, so the revision is the number:
    // no read-then-append race, and no retries when many registrations arrive at once.
    const appended = await this.store.appendToStream(stream, [event(this.ids.next())], { expectedRevision: ANY });
    return formatComplaintNumber(year, appended.nextExpectedRevision + 1n);
  }
}

// ------------------------------------------------------------------ handlers (thin)

@CommandHandler(RegisterComplaintCommand)
export class RegisterComplaintHandler implements ICommandHandler<RegisterComplaintCommand> {
  private readonly numbers: ComplaintNumbers;

  constructor(
    private readonly streams: ComplaintStreams,
    private readonly processor: CommandProcessor,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(RELATA_CONFIG) private readonly config: RelataConfig,
  ) {
    this.numbers = new ComplaintNumbers(store, clock, ids);
  }

  async execute({ data, context }: RegisterComplaintCommand): Promise<CommandResult & { number: string }> {
    // With an Idempotency-Key the new id is derived from it, so a retry lands on the same complaint.
    const complaintId = createdId(this.ids, context, 'complaint');
    const streamName = complaintStream(complaintId);
    // A retry of a registration that went through is answered from the stream, whatever changed since.
    const replay = await this.isReplay(streamName, context);
    const customerExists = replay || (await this.customerExists(data.customerId));
    const command = (number: string) =>
      ({
        type: 'RegisterComplaint',
        data: { ...data, complaintId, number, customerExists, autoAcknowledge: this.config.autoAckChannels.includes(data.channel) },
      }) as const;
    let number = UNALLOCATED;
    if (!replay) {
      // Every refusal comes before a number is taken, so a refused registration appends nothing.
      await this.streams.complaint.dryRun(complaintId, command(UNALLOCATED), context);
      if (data.followUpOf) await this.checkFollowUp(data.followUpOf, data.customerId);
      number = await this.numbers.allocate(complaintId, context);
    }
    const outcome = await this.streams.complaint.handle(complaintId, command(number), context);
    const registeredEvent = outcome.events.find((e) => e.type === 'ComplaintRegistered') as ComplaintRegistered | undefined;
    return commandResult(complaintId, outcome, { number: registeredEvent?.data.number ?? number });
  }

  private async isReplay(streamName: string, context: CommandContext): Promise<boolean> {
    if (!context.idempotencyKey) return false;
    const [first] = await this.store.readStream(streamName, { maxCount: 1 });
    return first?.id === idempotentEventId(context.idempotencyKey, streamName, 0);
  }

  /** A forgotten customer counts as gone: nothing more is recorded about them (checked before a number is taken). */
  private async customerExists(customerId: string): Promise<boolean> {
    const { state } = await this.processor.load(customerDecider, customerStream(customerId));
    return state.status !== 'unknown' && !state.forgotten;
  }

  /** A follow-up links a closed complaint of the same customer whose reopen window has passed (or who prefers a new case). */
  private async checkFollowUp(followUpOf: string, customerId: string): Promise<void> {
    const original = (await this.streams.complaint.load(followUpOf)).state;
    if (original.status === 'unknown') {
      throw new BusinessRuleViolation('FOLLOW_UP_COMPLAINT_NOT_FOUND', 'The complaint to follow up does not exist', { followUpOf });
    }
    if (original.customerId !== customerId) {
      throw new BusinessRuleViolation(
        'FOLLOW_UP_OF_ANOTHER_CUSTOMER',
        'A follow-up must come from the customer of the original complaint',
        { followUpOf },
      );
    }
    if (original.status !== 'closed') {
      throw new BusinessRuleViolation('FOLLOW_UP_OF_OPEN_COMPLAINT', 'The complaint is still open: take the step on it instead', {
        followUpOf,
        // Not `status`: problem details share their object with the HTTP status.
        complaintStatus: original.status,
      });
    }
  }
}

@CommandHandler(ExecuteComplaintCommand)
export class ExecuteComplaintCommandHandler implements ICommandHandler<ExecuteComplaintCommand> {
  constructor(
    private readonly streams: ComplaintStreams,
    private readonly processor: CommandProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RELATA_CONFIG) private readonly config: RelataConfig,
    @Inject(CUSTOMER_SEGMENTS_LOOKUP) private readonly segments: CustomerSegmentsLookup,
  ) {}

  async execute({ complaintId, step, context, created }: ExecuteComplaintCommand): Promise<CommandResult> {
    const complaints = this.streams.complaint;
    const command = await this.complete(step, complaintId);
    if (step.type === 'AssignComplaint' || step.type === 'OpenAction') {
      // The complaint's own rules first (404 for an unknown complaint), then the department it names.
      await complaints.dryRun(complaintId, command, context);
      await this.mustBeKnownDepartment(step.data.department);
    }
    try {
      return commandResult(complaintId, await complaints.handle(complaintId, command, context), created);
    } catch (error) {
      throw await this.withFollowUpHint(error, complaintId);
    }
  }

  /** The decider's command: the step, and what the handler looks up for it. */
  private async complete(step: EnrichedStep, complaintId: string): Promise<Unstamped<ComplaintCommand>> {
    switch (step.type) {
      case 'GradeComplaint': {
        const policy = policyInForce((await this.streams.slaPolicy.load(CURRENT_SLA_POLICY_ID)).state);
        // The segments as of the grading (business time: now).
        const customerSegments = policy.valueTiers?.length
          ? await this.customerSegmentsAt(complaintId, this.clock.now().toISOString())
          : {};
        return { type: 'GradeComplaint', data: { ...step.data, policy, customerSegments } };
      }
      case 'EscalateComplaint':
        return { type: 'EscalateComplaint', data: { ...step.data, notify: await this.supervisorOf(complaintId) } };
      case 'CloseComplaint': {
        const { duplicateOf } = step.data;
        const duplicateOfExists = duplicateOf !== null && (await this.streams.complaint.load(duplicateOf)).state.status !== 'unknown';
        return { type: 'CloseComplaint', data: { ...step.data, duplicateOfExists } };
      }
      case 'ReopenComplaint':
        return { type: 'ReopenComplaint', data: { reason: step.data.reason, reopenWindowDays: this.config.reopenWindowDays } };
      default:
        return step;
    }
  }

  /** The complaint's customer's segment per scheme at `at` (business time), for value-based SLA tiers. */
  private async customerSegmentsAt(complaintId: string, at: string): Promise<Record<string, string | null>> {
    const { customerId } = (await this.streams.complaint.load(complaintId)).state;
    if (customerId === null) return {};
    return this.segments.segmentsAt(customerId, at);
  }

  /** Departments are never deleted, so a replayed request passes this check as it did the first time. */
  private async mustBeKnownDepartment(department: string): Promise<void> {
    const { state } = await this.processor.load(departmentDecider, departmentStream(department));
    if (!state.exists) throw new BusinessRuleViolation('UNKNOWN_DEPARTMENT', 'No department with this id', { department });
  }

  /** The supervisor of the department holding the complaint: who an escalation notifies. */
  private async supervisorOf(complaintId: string): Promise<string | null> {
    const holder = (await this.streams.complaint.load(complaintId)).state.holders.at(-1);
    if (!holder) return null;
    return (await this.processor.load(departmentDecider, departmentStream(holder.department))).state.supervisorId;
  }

  /** Past the reopen window the answer says how to go on: register a follow-up linked to this complaint. */
  private async withFollowUpHint(error: unknown, complaintId: string): Promise<unknown> {
    if (!(error instanceof RelataError) || error.code !== 'REOPEN_WINDOW_EXPIRED') return error;
    const { customerId } = (await this.streams.complaint.load(complaintId)).state;
    return new BusinessRuleViolation(error.code, error.message, {
      ...error.details,
      followUp: { method: 'POST', href: '/complaints', body: { customerId, followUpOf: complaintId } },
    });
  }
}

export const COMPLAINT_COMMAND_HANDLERS = [RegisterComplaintHandler, ExecuteComplaintCommandHandler];
