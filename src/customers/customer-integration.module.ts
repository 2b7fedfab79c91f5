import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { UpsertCustomerBySourceHandler } from './customer-by-source';
import { CustomerStreams } from './customer.streams';

/**
 * Commands for other systems that hold customers of their own (upsert by their id). Kept apart from
 * CustomersModule: it only composes the customer commands that module already handles.
 */
@Module({
  imports: [CqrsModule],
  providers: [CustomerStreams, UpsertCustomerBySourceHandler],
})
export class CustomerIntegrationModule {}
