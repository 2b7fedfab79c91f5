import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { complaintDecider } from '../complaints/complaint.decider';
import { complaintStream } from '../complaints/complaint.events';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { customerDecider } from '../customers/customer.decider';
import { customerStream } from '../customers/customer.events';
import { departmentDecider, departmentStream } from '../departments/department.decider';
import { CLOCK, type Clock } from '../shared/clock';
import type { CommandContext } from '../shared/decider/command-context';
import { type CommandOutcome, CommandProcessor } from '../shared/decider/command-processor';
import { BusinessRuleViolation, NotFoundError, ValidationFailedError } from '../shared/errors/domain-errors';
import { createdId } from '../shared/http/command-response';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { type FollowUpCommand, followUpDecider, followUpStream } from './follow-up.decider';

export interface FollowUpCommandResult {
  id: string;
  revision: number;
  position: string | null;
  replayed: boolean;
}

const MINUTE_MS = 60_000;
const iso = (value: string): string => new Date(value).toISOString();
const minus = (at: string, minutes: number): string => new Date(Date.parse(at) - minutes * MINUTE_MS).toISOString();

export class CreateFollowUpCommand extends Command<FollowUpCommandResult> {
  constructor(
    readonly data: {
      customerId?: string;
      complaintId?: string;
      owner: string;
      department?: string;
      title: string;
      note?: string;
      dueAt: string;
      remindBeforeMinutes?: number;
    },
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Every step after creation, as the HTTP edge says it (the handler adds times and looks-ups). */
export type FollowUpStep =
  | { type: 'ReassignFollowUp'; data: { owner: string; department?: string | null } }
  | { type: 'RescheduleFollowUp'; data: { dueAt: string; remindBeforeMinutes?: number } }
  | { type: 'CompleteFollowUp' }
  | { type: 'CancelFollowUp'; data: { reason: string | null } };

export class ExecuteFollowUpCommand extends Command<FollowUpCommandResult> {
  constructor(
    readonly followUpId: string,
    readonly step: FollowUpStep,
    readonly context: CommandContext,
  ) {
    super();
  }
}

function result(id: string, outcome: CommandOutcome<unknown>): FollowUpCommandResult {
  return {
    id,
    revision: Number(outcome.revision),
    position: outcome.position === null ? null : outcome.position.toString(),
    replayed: outcome.replayed,
  };
}

/** Facts from other streams that follow-up commands need. */
class FollowUpLookups {
  constructor(private readonly processor: CommandProcessor) {}

  async mustBeKnownDepartment(department: string | null | undefined): Promise<void> {
    if (department === null || department === undefined) return;
    const { state } = await this.processor.load(departmentDecider, departmentStream(department));
    if (!state.exists) throw new BusinessRuleViolation('UNKNOWN_DEPARTMENT', 'No department with this id', { department });
  }

  /** The customer the follow-up is about: the one named, or the complaint's (they must agree when both are given). */
  async customerOf(customerId: string | undefined, complaintId: string | undefined): Promise<string> {
    if (complaintId === undefined) {
      if (customerId === undefined)
        throw new ValidationFailedError([{ field: 'customerId', messages: ['give customerId or complaintId'] }]);
      return customerId;
    }
    const complaint = (await this.processor.load(complaintDecider, complaintStream(complaintId))).state;
    if (complaint.customerId === null) throw new NotFoundError('COMPLAINT_NOT_FOUND', 'No complaint with this id');
    if (customerId !== undefined && customerId !== complaint.customerId) {
      throw new BusinessRuleViolation('FOLLOW_UP_CUSTOMER_MISMATCH', 'The complaint is not about this customer', { complaintId });
    }
    return complaint.customerId;
  }

  async customerActive(customerId: string): Promise<boolean> {
    const { state } = await this.processor.load(customerDecider, customerStream(customerId));
    return state.status !== 'unknown' && !state.forgotten;
  }
}

@CommandHandler(CreateFollowUpCommand)
export class CreateFollowUpHandler implements ICommandHandler<CreateFollowUpCommand> {
  private readonly lookups: FollowUpLookups;

  constructor(
    private readonly processor: CommandProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(RELATA_CONFIG) private readonly config: RelataConfig,
  ) {
    this.lookups = new FollowUpLookups(processor);
  }

  async execute({ data, context: rawContext }: CreateFollowUpCommand): Promise<FollowUpCommandResult> {
    const context = this.processor.withCommandId(rawContext);
    const customerId = await this.lookups.customerOf(data.customerId, data.complaintId);
    await this.lookups.mustBeKnownDepartment(data.department);
    const followUpId = createdId(this.ids, context, 'follow-up');
    const dueAt = iso(data.dueAt);
    const command: FollowUpCommand = {
      type: 'CreateFollowUp',
      data: {
        followUpId,
        customerId,
        complaintId: data.complaintId ?? null,
        owner: data.owner,
        department: data.department ?? null,
        title: data.title,
        note: data.note ?? null,
        dueAt,
        remindAt: minus(dueAt, data.remindBeforeMinutes ?? this.config.followUpReminderLeadMinutes),
        customerActive: await this.lookups.customerActive(customerId),
      },
      now: this.clock.now().toISOString(),
    };
    const outcome = await this.processor.handle({ decider: followUpDecider, streamName: followUpStream(followUpId), command, context });
    return result(followUpId, outcome);
  }
}

@CommandHandler(ExecuteFollowUpCommand)
export class ExecuteFollowUpHandler implements ICommandHandler<ExecuteFollowUpCommand> {
  private readonly lookups: FollowUpLookups;

  constructor(
    private readonly processor: CommandProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.lookups = new FollowUpLookups(processor);
  }

  async execute({ followUpId, step, context }: ExecuteFollowUpCommand): Promise<FollowUpCommandResult> {
    const streamName = followUpStream(followUpId);
    const command = await this.complete(step, streamName, this.clock.now().toISOString());
    if (step.type === 'ReassignFollowUp') {
      // The follow-up's own rules first (404 for an unknown one), then the department it names.
      await this.processor.dryRun({ decider: followUpDecider, streamName, command, context });
      await this.lookups.mustBeKnownDepartment(step.data.department);
    }
    return result(followUpId, await this.processor.handle({ decider: followUpDecider, streamName, command, context }));
  }

  private async complete(step: FollowUpStep, streamName: string, now: string): Promise<FollowUpCommand> {
    switch (step.type) {
      case 'RescheduleFollowUp': {
        const dueAt = iso(step.data.dueAt);
        let lead = step.data.remindBeforeMinutes;
        if (lead === undefined) {
          // The same lead as before (none for an unknown follow-up: the decider answers 404).
          const { state } = await this.processor.load(followUpDecider, streamName);
          lead = state.dueAt !== null && state.remindAt !== null ? (Date.parse(state.dueAt) - Date.parse(state.remindAt)) / MINUTE_MS : 0;
        }
        return { type: 'RescheduleFollowUp', data: { dueAt, remindAt: minus(dueAt, lead) }, now };
      }
      case 'ReassignFollowUp':
        return { type: 'ReassignFollowUp', data: step.data, now };
      case 'CompleteFollowUp':
        return { type: 'CompleteFollowUp', now };
      case 'CancelFollowUp':
        return { type: 'CancelFollowUp', data: step.data, now };
    }
  }
}

export const FOLLOW_UP_COMMAND_HANDLERS = [CreateFollowUpHandler, ExecuteFollowUpHandler];
