import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CUSTOMER_COMMAND_HANDLERS } from './customer-command.handlers';
import { CUSTOMER_QUERY_HANDLERS } from './customer-query.handlers';
import { CustomersController } from './customers.controller';
import { ForgetCustomerHandler } from './forget-customer.handler';
import { UpsertCustomerBySourceHandler } from './customer-by-source';

@Module({
  imports: [CqrsModule],
  controllers: [CustomersController],
  providers: [...CUSTOMER_COMMAND_HANDLERS, ForgetCustomerHandler, UpsertCustomerBySourceHandler, ...CUSTOMER_QUERY_HANDLERS],
})
export class CustomersModule {}
