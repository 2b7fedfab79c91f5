import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { complaintDecider } from '../complaints/complaint.decider';
import { complaintStream } from '../complaints/complaint.events';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { customerDecider } from '../customers/customer.decider';
import { customerStream } from '../customers/customer.events';
import { departmentDecider, departmentStream } from '../departments/department.decider';
import type { CommandContext } from '../shared/decider/command-context';
import { CommandProcessor, type Unstamped } from '../shared/decider/command-processor';
import { BusinessRuleViolation, NotFoundError, ValidationFailedError } from '../shared/errors/domain-errors';
import { type CommandResult, commandResult, createdId } from '../shared/http/command-response';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import type { FollowUpCommand } from './follow-up.decider';
import { FollowUpStreams } from './follow-up.streams';

const MINUTE_MS = 60_000;
const iso = (value: string): string => new Date(value).toISOString();
const minus = (at: string, minutes: number): string => new Date(Date.parse(at) - minutes * MINUTE_MS).toISOString();

export class CreateFollowUpCommand extends Command<CommandResult> {
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

/**
 * The steps after creation that need a look-up, as the HTTP edge says them (the handler adds the
 * facts); complete and cancel go from the controller straight to the bound decider (FollowUpStreams).
 */
export type FollowUpStep =
  | { type: 'ReassignFollowUp'; data: { owner: string; department?: string | null } }
  | { type: 'RescheduleFollowUp'; data: { dueAt: string; remindBeforeMinutes?: number } };

export class ExecuteFollowUpCommand extends Command<CommandResult> {
  constructor(
    readonly followUpId: string,
    readonly step: FollowUpStep,
    readonly context: CommandContext,
  ) {
    super();
  }
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
    processor: CommandProcessor,
    private readonly streams: FollowUpStreams,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(RELATA_CONFIG) private readonly config: RelataConfig,
  ) {
    this.lookups = new FollowUpLookups(processor);
  }

  async execute({ data, context }: CreateFollowUpCommand): Promise<CommandResult> {
    const customerId = await this.lookups.customerOf(data.customerId, data.complaintId);
    await this.lookups.mustBeKnownDepartment(data.department);
    const followUpId = createdId(this.ids, context, 'follow-up');
    const dueAt = iso(data.dueAt);
    const command = {
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
    } as const;
    return commandResult(followUpId, await this.streams.followUp.handle(followUpId, command, context));
  }
}

@CommandHandler(ExecuteFollowUpCommand)
export class ExecuteFollowUpHandler implements ICommandHandler<ExecuteFollowUpCommand> {
  private readonly lookups: FollowUpLookups;

  constructor(
    processor: CommandProcessor,
    private readonly streams: FollowUpStreams,
  ) {
    this.lookups = new FollowUpLookups(processor);
  }

  async execute({ followUpId, step, context }: ExecuteFollowUpCommand): Promise<CommandResult> {
    const followUps = this.streams.followUp;
    const command = await this.complete(step, followUpId);
    if (step.type === 'ReassignFollowUp') {
      // The follow-up's own rules first (404 for an unknown one), then the department it names.
      await followUps.dryRun(followUpId, command, context);
      await this.lookups.mustBeKnownDepartment(step.data.department);
    }
    return commandResult(followUpId, await followUps.handle(followUpId, command, context));
  }

  private async complete(step: FollowUpStep, followUpId: string): Promise<Unstamped<FollowUpCommand>> {
    switch (step.type) {
      case 'RescheduleFollowUp': {
        const dueAt = iso(step.data.dueAt);
        let lead = step.data.remindBeforeMinutes;
        if (lead === undefined) {
          // The same lead as before (none for an unknown follow-up: the decider answers 404).
          const { state } = await this.streams.followUp.load(followUpId);
          lead = state.dueAt !== null && state.remindAt !== null ? (Date.parse(state.dueAt) - Date.parse(state.remindAt)) / MINUTE_MS : 0;
        }
        return { type: 'RescheduleFollowUp', data: { dueAt, remindAt: minus(dueAt, lead) } };
      }
      case 'ReassignFollowUp':
        return { type: 'ReassignFollowUp', data: step.data };
    }
  }
}

export const FOLLOW_UP_COMMAND_HANDLERS = [CreateFollowUpHandler, ExecuteFollowUpHandler];
