import { ForbiddenException, HttpException, HttpStatus, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CLOCK, type Clock } from '../shared/clock';
import { ValidationFailedError } from '../shared/errors/domain-errors';
import { isPrototypeName } from '../shared/http/body-limits';
import { AccessKeyStore } from './access-key-store';
import { AuthenticationFailed } from './authentication-failed';
import type { JwtVerifier } from './jwt-verifier';
import { PERSONAL_SEARCH_PARAMETERS } from './personal-data';
import { applySecurityHeaders } from './security-headers';
import { type RateDecision, TokenBucketRateLimiter } from './rate-limiter';
import { seesMaskedPersonalData, type Principal, type Role } from './roles';
import { allows, routeKey, ruleFor, type RouteRule } from './route-permissions';

export const JWT_VERIFIER = Symbol('JWT_VERIFIER');
/** The TokenBucketRateLimiter of failed authentications, per client address. */
export const AUTH_FAILURE_LIMITER = Symbol('AUTH_FAILURE_LIMITER');

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the access guard for authenticated requests; null on public routes. */
    principal: Principal | null;
    /** principal.subject: what command-context.decorator.ts records as the events' actor. */
    subject: string | null;
    roles: readonly Role[] | null;
    pii: boolean;
  }
}

const BEARER = /^Bearer +([^\s]+) *$/i;

/** 429 with Retry-After when the decision says so. */
function refuseWhenLimited(reply: FastifyReply, rate: RateDecision): void {
  if (rate.allowed) return;
  void reply.header('Retry-After', String(rate.retryAfterSeconds));
  throw new HttpException(`Too many requests: retry in ${rate.retryAfterSeconds} s`, HttpStatus.TOO_MANY_REQUESTS);
}

/**
 * `?__proto__=` or `?constructor=` on any route, with a query DTO or without: such names shadow or
 * reach Object.prototype wherever the query object is read, and no route takes one.
 */
function refusePrototypeQueryNames(request: FastifyRequest): void {
  const query = request.query;
  if (typeof query !== 'object' || query === null) return;
  const odd = Object.keys(query).filter(isPrototypeName);
  if (odd.length > 0)
    throw new ValidationFailedError(odd.map((field) => ({ field, messages: [`a query parameter may not be named ${field}`] })));
}

/**
 * The one place where access is decided, for every request, before its body is read: runs as a
 * Fastify onRequest hook (install-access-control.ts), so it covers every route, Nest's or not.
 *
 * 1. The route's rule from the access table; public routes pass without credentials.
 * 2. Authentication from `Authorization: Bearer <API key or JWT>`: missing, malformed, unknown,
 *    expired or revoked credentials are a 401 (unknown URLs too, so they reveal nothing).
 *    Failed authentications are counted per client address: past RELATA_AUTH_FAILURES_PER_MINUTE
 *    that address gets 429 with Retry-After, valid credentials or not, until its budget refills.
 * 3. The caller's rate limit (429 with Retry-After).
 * 4. Authorisation: the table must list one of the caller's roles, else 403; a route missing from
 *    the table is denied. Unknown URLs go on to their 404.
 */
@Injectable()
export class AccessGuard {
  constructor(
    private readonly keys: AccessKeyStore,
    @Inject(JWT_VERIFIER) private readonly jwt: JwtVerifier | null,
    private readonly limiter: TokenBucketRateLimiter,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(AUTH_FAILURE_LIMITER) private readonly failures: TokenBucketRateLimiter,
  ) {}

  /** The access table's rule for the request's route (undefined: not in the table, or no such route). */
  ruleOf(request: FastifyRequest): RouteRule | undefined {
    const url = request.routeOptions.url;
    return request.is404 || url === undefined ? undefined : ruleFor(request.method, url);
  }

  async check(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // Here rather than in onSend: responses written past Fastify (the audit SSE feed) carry them too.
    applySecurityHeaders(reply, false);
    refusePrototypeQueryNames(request);
    const rule = this.ruleOf(request);
    if (rule?.roles === 'public') return;

    // A client address that used up its failed attempts waits, whatever it sends now: guessing
    // keys or tokens must not be faster than the budget.
    refuseWhenLimited(reply, this.failures.peek(request.ip));
    let principal: Principal;
    try {
      principal = await this.authenticate(request, reply);
    } catch (error) {
      if (error instanceof UnauthorizedException) refuseWhenLimited(reply, this.failures.take(request.ip));
      throw error;
    }
    applySecurityHeaders(reply, true);
    request.principal = principal;
    request.subject = principal.subject;
    request.roles = principal.roles;
    request.pii = principal.pii;

    refuseWhenLimited(reply, this.limiter.take(principal.subject));

    if (request.is404) return;
    if (rule === undefined) {
      throw new ForbiddenException(
        `${routeKey(request.method, request.routeOptions.url ?? request.url)} has no access rule, so it is denied`,
      );
    }
    if (!allows(rule, principal)) {
      const roles = rule.roles as readonly Role[];
      throw new ForbiddenException(`This route needs one of the roles ${roles.join(', ')}`);
    }
    if (rule.personalData && seesMaskedPersonalData(principal)) {
      if (rule.unmaskable) throw new ForbiddenException('This route streams personal data unmasked: it needs the pii grant');
      const query = (request.query ?? {}) as Record<string, unknown>;
      const searched = PERSONAL_SEARCH_PARAMETERS.filter((name) => query[name] !== undefined);
      if (searched.length > 0) throw new ForbiddenException(`Searching by personal data (${searched.join(', ')}) needs the pii grant`);
    }
  }

  /**
   * For responses that outlive their request (the audit SSE feed): whether the request's credential
   * would still be let through now, for the same subject and the same route. False once an API key
   * is revoked or expired, a JWT expired, or the principal lost the roles or grant the route needs.
   */
  async stillAllows(request: FastifyRequest): Promise<boolean> {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    const rule = this.ruleOf(request);
    if (token === undefined || rule === undefined || rule.roles === 'public' || request.principal === null) return rule?.roles === 'public';
    let principal: Principal;
    try {
      principal = await this.verifyToken(token);
    } catch (error) {
      if (error instanceof AuthenticationFailed) return false;
      throw error;
    }
    if (principal.subject !== request.principal.subject || !allows(rule, principal)) return false;
    return !(rule.personalData && rule.unmaskable && seesMaskedPersonalData(principal));
  }

  private async authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Principal> {
    const header = request.headers.authorization;
    const refuse = (reason: string, error?: string): never => {
      void reply.header('WWW-Authenticate', error ? `Bearer realm="relata", error="${error}"` : 'Bearer realm="relata"');
      throw new UnauthorizedException(reason);
    };
    if (header === undefined || header === '') return refuse('Credentials are required: send Authorization: Bearer <API key or JWT>');
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) return refuse('The Authorization header is malformed: use Bearer <API key or JWT>', 'invalid_request');
    try {
      return await this.verifyToken(token);
    } catch (error) {
      if (error instanceof AuthenticationFailed) return refuse(`The credentials were refused: ${error.reason}`, 'invalid_token');
      throw error;
    }
  }

  /** The principal an API key or JWT stands for now, or AuthenticationFailed. */
  private async verifyToken(token: string): Promise<Principal> {
    if (token.startsWith('rk_')) return this.keys.authenticate(token);
    if (this.jwt === null) throw new AuthenticationFailed('the bearer token is not an API key, and JWTs are not accepted here');
    return this.jwt.verify(token, this.clock.now());
  }
}
