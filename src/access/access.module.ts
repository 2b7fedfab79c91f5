import { Module } from '@nestjs/common';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { AccessGuard, AUTH_FAILURE_LIMITER, JWT_VERIFIER } from './access-guard';
import { AccessKeyStore } from './access-key-store';
import { AccessKeysController } from './access-keys.controller';
import { JwtVerifier } from './jwt-verifier';
import { TokenBucketRateLimiter } from './rate-limiter';
import { RouteRegistry } from './route-registry';

/** Authentication, authorisation and API keys; install-access-control.ts wires the guard into the HTTP server. */
@Module({
  controllers: [AccessKeysController],
  providers: [
    AccessKeyStore,
    AccessGuard,
    RouteRegistry,
    {
      provide: JWT_VERIFIER,
      inject: [RELATA_CONFIG],
      useFactory: (config: RelataConfig) => (config.jwt ? new JwtVerifier(config.jwt) : null),
    },
    {
      provide: TokenBucketRateLimiter,
      inject: [RELATA_CONFIG],
      useFactory: (config: RelataConfig) => new TokenBucketRateLimiter(config.rateLimitPerMinute),
    },
    {
      provide: AUTH_FAILURE_LIMITER,
      inject: [RELATA_CONFIG],
      useFactory: (config: RelataConfig) => new TokenBucketRateLimiter(config.authFailuresPerMinute),
    },
  ],
  exports: [AccessKeyStore, AccessGuard, RouteRegistry],
})
export class AccessModule {}
