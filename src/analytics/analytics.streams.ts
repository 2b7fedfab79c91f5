import { type BoundTo, CommandProcessor } from '../shared/decider/command-processor';
import { clvModelDecider, CLV_MODEL_STREAM } from './clv-model.events';
import { customerSegmentsDecider, customerSegmentsStream, segmentationRunDecider, segmentationRunStream } from './segmentation.events';

/**
 * The analytics deciders, each bound once to its stream names (the services, also built outside
 * Nest by the CLI, make theirs from the processor). Their commands carry no `now`: what they record
 * is dated by the analysis (its as-of), and the stamp the binding adds is ignored.
 */
export class AnalyticsStreams {
  /** The one clv-model stream: every id names it. */
  readonly clvModel: BoundTo<typeof clvModelDecider>;
  /** customer-segments-<customer id> */
  readonly customerSegments: BoundTo<typeof customerSegmentsDecider>;
  /** segmentation-<run id> */
  readonly segmentationRun: BoundTo<typeof segmentationRunDecider>;

  constructor(processor: CommandProcessor) {
    this.clvModel = processor.stream(clvModelDecider, () => CLV_MODEL_STREAM);
    this.customerSegments = processor.stream(customerSegmentsDecider, customerSegmentsStream);
    this.segmentationRun = processor.stream(segmentationRunDecider, segmentationRunStream);
  }
}
