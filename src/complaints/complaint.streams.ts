import { Injectable } from '@nestjs/common';
import { type BoundTo, CommandProcessor } from '../shared/decider/command-processor';
import { complaintDecider } from './complaint.decider';
import { complaintStream } from './complaint.events';
import { slaPolicyDecider, slaPolicyStream } from './sla-policy-registry';

/** The complaint feature's deciders, each bound once to its stream names: controllers, handlers and the SLA scheduler call these. */
@Injectable()
export class ComplaintStreams {
  /** complaint-<id> */
  readonly complaint: BoundTo<typeof complaintDecider>;
  /** sla-policy-<policy id> */
  readonly slaPolicy: BoundTo<typeof slaPolicyDecider>;

  constructor(processor: CommandProcessor) {
    this.complaint = processor.stream(complaintDecider, complaintStream);
    this.slaPolicy = processor.stream(slaPolicyDecider, slaPolicyStream);
  }
}
