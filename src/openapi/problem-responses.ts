import type { ReferenceObject, ResponseObject, SchemaObject } from '@nestjs/swagger';

/** The media type of every error answer (problem-details.filter.ts). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** RFC 7807 as Relata answers it (ProblemDocument in problem-details.filter.ts). */
export const PROBLEM_DETAILS_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'RFC 7807 problem details. `code` is stable: clients branch on it. Errors may carry extra members (e.g. expectedRevision).',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', example: 'urn:relata:problem:validation-failed' },
    title: { type: 'string', example: 'Bad Request' },
    status: { type: 'integer', example: 400 },
    detail: { type: 'string', example: 'The request is not valid' },
    code: { type: 'string', example: 'VALIDATION_FAILED' },
    instance: { type: 'string', example: '/customers' },
    correlationId: { type: 'string', example: '5d1f0c9e-2b7a-4c3e-8f6d-1a2b3c4d5e6f' },
    errors: {
      type: 'array',
      description: 'Every bad field (400 VALIDATION_FAILED only).',
      items: {
        type: 'object',
        required: ['field', 'messages'],
        properties: {
          field: { type: 'string', description: 'Dotted path, e.g. lines.0.quantity', example: 'email' },
          messages: { type: 'array', items: { type: 'string' }, example: ['email must be an email'] },
        },
      },
    },
  },
  additionalProperties: true,
};

export const PROBLEM_REF: ReferenceObject = { $ref: '#/components/schemas/ProblemDetails' };

interface ProblemCase {
  status: number;
  title: string;
  code: string;
  detail: string;
}

/** A problem response with its description and an example of the document. */
export function problemResponse(description: string, example: ProblemCase, headers?: ResponseObject['headers']): ResponseObject {
  const response: ResponseObject = {
    description,
    content: {
      [PROBLEM_MEDIA_TYPE]: {
        schema: PROBLEM_REF,
        example: { type: `urn:relata:problem:${example.code.toLowerCase().replace(/_/g, '-')}`, ...example },
      },
    },
  };
  if (headers) response.headers = headers;
  return response;
}

/** What a route is, as far as its error answers go. */
export interface RouteTraits {
  /** Takes a body, a query DTO, path parameters or command headers: malformed input is a 400. */
  validatesInput: boolean;
  /** Not public: credentials needed (401), roles checked (403), rate limited (429). */
  roles: readonly string[] | null;
  /** Addresses a resource by id in the path: the example code of its 404 (e.g. CUSTOMER_NOT_FOUND), else null. */
  notFoundCode: string | null;
  /** An event-sourced command (Idempotency-Key, If-Match): revision conflicts are a 409. */
  command: boolean;
  /** Changes state: business rules may refuse it (422). */
  changesState: boolean;
  /** Accepts ?minPosition= and waits for the read model. */
  waitsForPosition: boolean;
}

/** The error responses a route can give, by status. */
export function errorResponses(traits: RouteTraits): Record<string, ResponseObject> {
  const out: Record<string, ResponseObject> = {};
  if (traits.validatesInput) {
    out['400'] = problemResponse('Malformed request: every bad field (body, query, path parameter, header) is listed in `errors`.', {
      status: 400,
      title: 'Bad Request',
      code: 'VALIDATION_FAILED',
      detail: 'The request is not valid',
    });
  }
  if (traits.roles !== null) {
    out['401'] = problemResponse('No credentials, or an unknown, expired or revoked API key or JWT.', {
      status: 401,
      title: 'Unauthorized',
      code: 'UNAUTHENTICATED',
      detail: 'Missing credentials',
    });
    out['403'] = problemResponse(`The caller has none of the roles this route needs (${traits.roles.join(', ')}).`, {
      status: 403,
      title: 'Forbidden',
      code: 'FORBIDDEN',
      detail: `This route needs one of the roles ${traits.roles.join(', ')}`,
    });
  }
  if (traits.notFoundCode !== null) {
    out['404'] = problemResponse('The addressed resource does not exist; `code` names what is missing.', {
      status: 404,
      title: 'Not Found',
      code: traits.notFoundCode,
      detail: 'No such resource',
    });
  }
  if (traits.command) {
    out['409'] = problemResponse(
      'The resource changed since the revision given in If-Match (or a concurrent write won): reload and retry.',
      {
        status: 409,
        title: 'Conflict',
        code: 'REVISION_CONFLICT',
        detail: 'The resource was changed by another request; reload it and try again',
      },
    );
  }
  if (traits.changesState) {
    out['422'] = problemResponse('A business rule refuses the request; `code` names the rule (e.g. SUGGESTION_EXPIRED).', {
      status: 422,
      title: 'Unprocessable Content',
      code: 'BUSINESS_RULE',
      detail: 'A business rule refuses the command',
    });
  }
  if (traits.roles !== null) {
    out['429'] = problemResponse(
      "The caller's rate limit is used up.",
      { status: 429, title: 'Too Many Requests', code: 'RATE_LIMITED', detail: 'Too many requests: retry in 3 s' },
      { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
    );
  }
  if (traits.waitsForPosition) {
    out['503'] = problemResponse(
      'The read model has not reached ?minPosition= in time: retry after the given delay.',
      {
        status: 503,
        title: 'Service Unavailable',
        code: 'READ_MODEL_NOT_CAUGHT_UP',
        detail: 'The read model has not reached the requested position yet',
      },
      { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
    );
  }
  return out;
}
