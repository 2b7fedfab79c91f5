import { Injectable } from '@nestjs/common';
import { type BoundTo, CommandProcessor } from '../shared/decider/command-processor';
import { customerOwnerDecider } from './customer-owner.decider';
import { customerOwnerStream } from './customer-owner.events';
import { customerDecider } from './customer.decider';
import { customerStream } from './customer.events';

/** The customer feature's deciders, each bound once to its stream names: controllers and handlers call these. */
@Injectable()
export class CustomerStreams {
  /** customer-<id> */
  readonly customer: BoundTo<typeof customerDecider>;
  /** customer-owner-<customer id> */
  readonly owner: BoundTo<typeof customerOwnerDecider>;

  constructor(processor: CommandProcessor) {
    this.customer = processor.stream(customerDecider, customerStream);
    this.owner = processor.stream(customerOwnerDecider, customerOwnerStream);
  }
}
