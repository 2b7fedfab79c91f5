import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DASHBOARD_CSP, DashboardAssets, isDashboardFile } from './dashboard-assets';

/**
 * The analyst dashboard: static files only. The page holds no data: it asks for an API key and
 * calls the /analytics routes with it, so these routes are public (route-permissions.ts).
 */
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly assets: DashboardAssets) {}

  @Get()
  page(@Res() reply: FastifyReply): void {
    this.send(reply, 'index.html');
  }

  @Get(':file')
  file(@Param('file') file: string, @Res() reply: FastifyReply): void {
    if (!isDashboardFile(file)) throw new NotFoundException(`No dashboard file ${file}`);
    this.send(reply, file);
  }

  private send(reply: FastifyReply, file: Parameters<DashboardAssets['get']>[0]): void {
    const { body, contentType } = this.assets.get(file);
    // Replaces the API's deny-everything policy (security-headers.ts) for these responses only.
    void reply.header('Content-Security-Policy', DASHBOARD_CSP).header('Cache-Control', 'no-cache').type(contentType).send(body);
  }
}
