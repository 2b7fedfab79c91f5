import { Controller, Get, Header, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RelataMetrics } from './metrics';

/** GET /metrics: the Prometheus text exposition of this process. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: RelataMetrics) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const { contentType, body } = await this.metrics.exposition();
    void reply.header('Content-Type', contentType);
    return body;
  }
}
