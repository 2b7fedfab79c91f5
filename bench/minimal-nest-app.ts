import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Body, Controller, Get, Inject, Module, Param, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Length, MaxLength, Min, ValidateNested, ArrayMinSize } from 'class-validator';
import { Type } from 'class-transformer';
import type BetterSqlite3 from 'better-sqlite3';
import Database from '../src/shared/sqlite/better-sqlite3';

/**
 * The floor of bench/http-commands.bench.ts (issue 14.4): the least a NestJS 12 + Fastify app does
 * for the same two commands: class-validator DTOs, one SQLite row appended per request (WAL,
 * synchronous=NORMAL, as the embedded event store). No auth, no event sourcing, no projections.
 * Run in a child process on PORT, its SQLite file in BENCH_MINIMAL_DB.
 */

const DB = Symbol('DB');

class ComplaintDto {
  @IsString() @Length(1, 100) customerId!: string;
  @IsIn(['email', 'phone', 'letter', 'web', 'chat', 'in-person']) channel!: string;
  @IsString() @Length(1, 100) category!: string;
  @IsOptional() @IsString() @MaxLength(200) product?: string;
  @IsString() @Length(1, 10_000) description!: string;
}

class LineDto {
  @IsString() @Length(1, 200) product!: string;
  @IsInt() @Min(1) quantity!: number;
  @IsNumber() @Min(0) amount!: number;
}

class PurchaseDto {
  @ValidateNested({ each: true }) @Type(() => LineDto) @ArrayMinSize(1) lines!: LineDto[];
  @IsOptional() @IsNumber() margin?: number;
  @IsString() @Length(3, 3) currency!: string;
}

@Controller()
class MinimalController {
  private readonly insert: BetterSqlite3.Statement;

  constructor(@Inject(DB) db: BetterSqlite3.Database) {
    this.insert = db.prepare('INSERT INTO rows (stream, type, body) VALUES (?, ?, ?)');
  }

  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Post('complaints')
  register(@Body() body: ComplaintDto) {
    const info = this.insert.run(`complaint-${body.customerId}`, 'ComplaintRegistered', JSON.stringify(body));
    return { position: String(info.lastInsertRowid) };
  }

  @Post('customers/:id/purchases')
  purchase(@Param('id') id: string, @Body() body: PurchaseDto) {
    const info = this.insert.run(`customer-${id}`, 'PurchaseRecorded', JSON.stringify(body));
    return { position: String(info.lastInsertRowid) };
  }
}

function openDatabase(file: string): BetterSqlite3.Database {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS rows (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL)');
  return db;
}

@Module({
  controllers: [MinimalController],
  providers: [
    {
      provide: DB,
      useFactory: () => openDatabase(process.env.BENCH_MINIMAL_DB ?? path.join(process.cwd(), 'bench', 'out', 'minimal.sqlite')),
    },
  ],
})
class MinimalModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(MinimalModule, new FastifyAdapter(), { logger: false });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
