import { Injectable } from '@nestjs/common';
import { routeKey } from './route-permissions';

/** Every route the HTTP server registered (fed by a Fastify onRoute hook), as the access table spells them. */
@Injectable()
export class RouteRegistry {
  private readonly keys = new Set<string>();

  add(method: string | string[], url: string): void {
    for (const verb of Array.isArray(method) ? method : [method]) this.keys.add(routeKey(verb, url));
  }

  routes(): string[] {
    return [...this.keys].sort();
  }
}
