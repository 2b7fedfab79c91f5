import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationFailedError } from '../shared/errors/domain-errors';
import { BatchDto, type BatchItemDto } from './batch.dto';

export interface BatchItemResult {
  index: number;
  /** The HTTP status the single call would have answered. */
  status: number;
  /** Location, ETag and Idempotent-Replayed, when the single call set them. */
  headers: Record<string, string>;
  /** The single call's body: its result, or its problem (RFC 7807). */
  body: unknown;
}

const PASSED_ON = ['location', 'etag', 'idempotent-replayed'] as const;

/**
 * Marks the requests a batch makes. The path rule keeps /batch out of the items, but a path may
 * reach a route in spellings no pattern foresees (percent-encoding); this header stops any nesting.
 */
const BATCH_ITEM_HEADER = 'x-relata-batch-item';

/**
 * Several commands in one request, carried out one after the other, in order, with one result per
 * item. Each item is handed to the server as the single call it stands for (same route, same
 * credentials, same correlation id): validation, access rules, idempotency, refusals and the audit
 * of refusals are exactly the single call's, and a refused item does not stop the others. A batch
 * is not a transaction; retry it with the same per-item idempotency keys and the items already
 * carried out are replayed, appending nothing.
 */
@Controller('batch')
export class BatchController {
  constructor(private readonly adapter: HttpAdapterHost) {}

  @Post()
  @HttpCode(200)
  async run(@Body() dto: BatchDto, @Req() request: FastifyRequest): Promise<{ results: BatchItemResult[] }> {
    if (request.headers[BATCH_ITEM_HEADER] !== undefined) {
      throw new ValidationFailedError([{ field: 'items', messages: ['a batch cannot run inside a batch'] }]);
    }
    const fastify = this.adapter.httpAdapter.getInstance<FastifyInstance>();
    const results: BatchItemResult[] = [];
    for (const [index, item] of dto.items.entries()) results.push({ index, ...(await this.runItem(fastify, request, item, index)) });
    return { results };
  }

  private async runItem(
    fastify: FastifyInstance,
    request: FastifyRequest,
    item: BatchItemDto,
    index: number,
  ): Promise<Omit<BatchItemResult, 'index'>> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/json',
      [BATCH_ITEM_HEADER]: String(index),
    };
    for (const name of ['authorization', 'x-correlation-id'] as const) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    if (item.idempotencyKey !== undefined) headers['idempotency-key'] = item.idempotencyKey;
    if (item.ifMatch !== undefined) headers['if-match'] = item.ifMatch;
    const response = await fastify.inject({
      method: item.method,
      url: item.path,
      headers,
      payload: item.body === undefined ? (item.method === 'DELETE' ? undefined : '{}') : JSON.stringify(item.body),
    });
    const passed: Record<string, string> = {};
    for (const name of PASSED_ON) {
      const value = response.headers[name];
      if (value !== undefined) passed[name] = String(value);
    }
    let body: unknown = null;
    try {
      body = response.body ? JSON.parse(response.body) : null;
    } catch {
      body = response.body;
    }
    return { status: response.statusCode, headers: passed, body };
  }
}
