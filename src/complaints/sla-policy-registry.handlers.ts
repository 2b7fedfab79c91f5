import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CommandProcessor } from '../shared/decider/command-processor';
import type { SlaPolicy } from './sla-policy';
import { CURRENT_SLA_POLICY_ID, policyInForce, slaPolicyDecider, slaPolicyStream } from './sla-policy-registry';

/** The policy in force, with its stream revision (the ETag; null while the default applies). */
export interface SlaPolicyView extends SlaPolicy {
  /** Null for the built-in default. */
  publishedAt: string | null;
  revision: number | null;
}

export class GetCurrentSlaPolicyQuery extends Query<SlaPolicyView> {}

/** The policy stream is the write model and tiny (one event per publication): it is read directly. */
@QueryHandler(GetCurrentSlaPolicyQuery)
export class GetCurrentSlaPolicyHandler implements IQueryHandler<GetCurrentSlaPolicyQuery> {
  constructor(private readonly processor: CommandProcessor) {}

  async execute(): Promise<SlaPolicyView> {
    const { state, revision } = await this.processor.load(slaPolicyDecider, slaPolicyStream(CURRENT_SLA_POLICY_ID));
    return { ...policyInForce(state), publishedAt: state.publishedAt, revision: revision < 0n ? null : Number(revision) };
  }
}

export const SLA_POLICY_HANDLERS = [GetCurrentSlaPolicyHandler];
