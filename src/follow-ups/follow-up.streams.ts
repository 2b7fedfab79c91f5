import { Injectable } from '@nestjs/common';
import { type BoundTo, CommandProcessor } from '../shared/decider/command-processor';
import { followUpDecider, followUpStream } from './follow-up.decider';

/** The follow-up decider, bound once to its stream names: the controller, handlers and scheduler call it. */
@Injectable()
export class FollowUpStreams {
  /** follow-up-<id> */
  readonly followUp: BoundTo<typeof followUpDecider>;

  constructor(processor: CommandProcessor) {
    this.followUp = processor.stream(followUpDecider, followUpStream);
  }
}
