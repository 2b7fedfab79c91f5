import { Module } from '@nestjs/common';
import { BatchController } from './batch.controller';

/** POST /batch: several commands in one request (integrations, bulk loads). */
@Module({ controllers: [BatchController] })
export class BatchModule {}
