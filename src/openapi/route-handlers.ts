import { ParseUUIDPipe, type INestApplication } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/internal';
import { ModulesContainer } from '@nestjs/core';
import { Ctx } from '../shared/http/command-context.decorator';
import type { DtoClass } from './validation-schema';

/** What the document needs to know about one controller method, read from Nest's route metadata. */
export interface RouteHandler {
  controller: string;
  method: string;
  /** The @Body() type (undefined: no body). */
  body?: DtoClass;
  /** The @Query() DTO (a whole-object query). */
  query?: DtoClass;
  /** Path parameters, and whether their pipe requires a UUID. */
  pathParams: { name: string; uuid: boolean }[];
  /** Takes the command context (@Ctx(): Idempotency-Key, If-Match). */
  command: boolean;
}

interface RouteArg {
  index: number;
  data?: unknown;
  pipes?: unknown[];
  factory?: unknown;
}

/** The factory behind @Ctx(), read by applying it to a probe: custom parameters are told apart by it. */
function ctxFactory(): unknown {
  class Probe {
    method(): void {}
  }
  Ctx()(Probe.prototype, 'method', 0);
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, Probe, 'method') as Record<string, RouteArg>;
  return Object.values(args)[0]?.factory;
}

function handlerOf(controller: DtoClass, method: string, commandFactory: unknown): RouteHandler {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<string, RouteArg>;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, method) ?? []) as unknown[];
  const handler: RouteHandler = { controller: controller.name, method, pathParams: [], command: false };
  for (const [key, arg] of Object.entries(args)) {
    const kind = key.split(':')[0];
    const type = types[arg.index];
    if (arg.factory !== undefined) {
      if (arg.factory === commandFactory) handler.command = true;
    } else if (kind === String(RouteParamtypes.BODY) && arg.data === undefined && typeof type === 'function') {
      handler.body = type as DtoClass;
    } else if (kind === String(RouteParamtypes.QUERY) && arg.data === undefined && typeof type === 'function') {
      handler.query = type as DtoClass;
    } else if (kind === String(RouteParamtypes.PARAM) && typeof arg.data === 'string') {
      handler.pathParams.push({ name: arg.data, uuid: (arg.pipes ?? []).some((pipe) => pipe instanceof ParseUUIDPipe) });
    }
  }
  return handler;
}

/**
 * Every controller method of the application, keyed like Swagger's operation ids
 * (`<Controller>_<method>`, see openapi.ts).
 */
export function routeHandlers(app: INestApplication): Map<string, RouteHandler> {
  const commandFactory = ctxFactory();
  const out = new Map<string, RouteHandler>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as DtoClass | null;
      if (typeof controller !== 'function') continue;
      for (const method of Object.getOwnPropertyNames(controller.prototype)) {
        if (method === 'constructor') continue;
        out.set(`${controller.name}_${method}`, handlerOf(controller, method, commandFactory));
      }
    }
  }
  return out;
}
