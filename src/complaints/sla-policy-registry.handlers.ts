import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler, Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../shared/clock';
import type { CommandContext } from '../shared/decider/command-context';
import { CommandProcessor } from '../shared/decider/command-processor';
import type { SlaPolicy } from './sla-policy';
import { CURRENT_SLA_POLICY_ID, type PublishSlaPolicy, policyInForce, slaPolicyDecider, slaPolicyStream } from './sla-policy-registry';

/** The policy in force, with its stream revision (the ETag; null while the default applies). */
export interface SlaPolicyView extends SlaPolicy {
  /** Null for the built-in default. */
  publishedAt: string | null;
  revision: number | null;
}

export interface PublishSlaPolicyResult {
  id: string;
  version: number;
  revision: number;
  position: string | null;
  replayed: boolean;
}

export class GetCurrentSlaPolicyQuery extends Query<SlaPolicyView> {}

export class PublishSlaPolicyCommand extends Command<PublishSlaPolicyResult> {
  constructor(
    readonly terms: Omit<PublishSlaPolicy['data'], 'policyId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** The policy stream is the write model and tiny (one event per publication): it is read directly. */
@QueryHandler(GetCurrentSlaPolicyQuery)
export class GetCurrentSlaPolicyHandler implements IQueryHandler<GetCurrentSlaPolicyQuery> {
  constructor(private readonly processor: CommandProcessor) {}

  async execute(): Promise<SlaPolicyView> {
    const { state, revision } = await this.processor.load(slaPolicyDecider, slaPolicyStream(CURRENT_SLA_POLICY_ID));
    return { ...policyInForce(state), publishedAt: state.publishedAt, revision: revision < 0n ? null : Number(revision) };
  }
}

@CommandHandler(PublishSlaPolicyCommand)
export class PublishSlaPolicyHandler implements ICommandHandler<PublishSlaPolicyCommand> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ terms, context }: PublishSlaPolicyCommand): Promise<PublishSlaPolicyResult> {
    const outcome = await this.processor.handle({
      decider: slaPolicyDecider,
      streamName: slaPolicyStream(CURRENT_SLA_POLICY_ID),
      command: { type: 'PublishSlaPolicy', data: { policyId: CURRENT_SLA_POLICY_ID, ...terms }, now: this.clock.now().toISOString() },
      context,
    });
    return {
      id: CURRENT_SLA_POLICY_ID,
      version: policyInForce(outcome.state).version,
      revision: Number(outcome.revision),
      position: outcome.position === null ? null : outcome.position.toString(),
      replayed: outcome.replayed,
    };
  }
}

export const SLA_POLICY_HANDLERS = [GetCurrentSlaPolicyHandler, PublishSlaPolicyHandler];
