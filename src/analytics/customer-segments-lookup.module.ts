import { Global, Injectable, Module } from '@nestjs/common';
import { CUSTOMER_SEGMENTS_LOOKUP, type CustomerSegmentsLookup } from '../complaints/customer-segments-lookup';
import { CommandProcessor } from '../shared/decider/command-processor';
import { customerSegmentsDecider, customerSegmentsStream, SEGMENT_SCHEMES, segmentAt } from './segmentation.events';

/** A customer's segments at an instant, read from their segment stream (the write side, so never behind). */
@Injectable()
export class StreamCustomerSegmentsLookup implements CustomerSegmentsLookup {
  constructor(private readonly processor: CommandProcessor) {}

  async segmentsAt(customerId: string, at: string): Promise<Record<string, string | null>> {
    const { timelines } = (await this.processor.load(customerSegmentsDecider, customerSegmentsStream(customerId))).state;
    return Object.fromEntries(SEGMENT_SCHEMES.map((scheme) => [scheme, segmentAt(timelines[scheme], at)]));
  }
}

/** Provides the lookup complaints grade value tiers by (see complaints/customer-segments-lookup.ts). */
@Global()
@Module({
  providers: [{ provide: CUSTOMER_SEGMENTS_LOOKUP, useClass: StreamCustomerSegmentsLookup }],
  exports: [CUSTOMER_SEGMENTS_LOOKUP],
})
export class CustomerSegmentsLookupModule {}
