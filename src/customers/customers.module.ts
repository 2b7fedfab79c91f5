import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CUSTOMER_COMMAND_HANDLERS } from './customer-command.handlers';
import { CustomerStreams } from './customer.streams';
import { CUSTOMER_QUERY_HANDLERS } from './customer-query.handlers';
import { CustomersController } from './customers.controller';
import { AssignCustomerOwnerHandler } from './customer-owner.handler';
import { CustomerOwnersController } from './customer-owners.controller';
import { EmailClaims } from './email-claims';
import { ForgetCustomerHandler } from './forget-customer.handler';

@Module({
  imports: [CqrsModule],
  controllers: [CustomersController, CustomerOwnersController],
  providers: [
    CustomerStreams,
    EmailClaims,
    ...CUSTOMER_COMMAND_HANDLERS,
    ForgetCustomerHandler,
    ...CUSTOMER_QUERY_HANDLERS,
    AssignCustomerOwnerHandler,
  ],
})
export class CustomersModule {}
