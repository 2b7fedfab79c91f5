import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../shared/decider/command-context';
import type { ClvFitRequest } from './clv-model';
import { type ClvFitOutcome, ClvModelService } from './clv-model.service';
import { type SegmentationRunResult, SegmentationService } from './segmentation.service';

export class RecomputeSegmentsCommand extends Command<SegmentationRunResult> {
  constructor(
    readonly asOf: Date,
    readonly context: CommandContext,
    readonly currency?: string,
  ) {
    super();
  }
}

export class FitClvModelCommand extends Command<ClvFitOutcome> {
  constructor(
    readonly request: Omit<ClvFitRequest, 'currency'> & { currency?: string },
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RecomputeSegmentsCommand)
export class RecomputeSegmentsHandler implements ICommandHandler<RecomputeSegmentsCommand> {
  constructor(private readonly segmentation: SegmentationService) {}

  execute({ asOf, context, currency }: RecomputeSegmentsCommand): Promise<SegmentationRunResult> {
    return this.segmentation.recompute(asOf, context, currency);
  }
}

@CommandHandler(FitClvModelCommand)
export class FitClvModelHandler implements ICommandHandler<FitClvModelCommand> {
  constructor(private readonly models: ClvModelService) {}

  execute({ request, context }: FitClvModelCommand): Promise<ClvFitOutcome> {
    return this.models.fit(request, context);
  }
}

export const ANALYTICS_COMMAND_HANDLERS = [RecomputeSegmentsHandler, FitClvModelHandler];
