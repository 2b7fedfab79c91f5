import type { FastifyReply } from 'fastify';

/**
 * Headers every response carries, for an API that serves JSON and CSV only: no sniffing, no
 * framing, no referrer, and a Content-Security-Policy that allows nothing (a response opened in
 * a browser runs no script). Set when the request arrives (access-guard.ts), so every answer has
 * them, errors and hijacked streams included; a route may replace them (a future HTML dashboard
 * will send the policy it needs). Strict-Transport-Security is the TLS-terminating
 * proxy's job: Relata speaks plain HTTP behind it and cannot know the public scheme.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function applySecurityHeaders(reply: FastifyReply, authenticated: boolean): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (!reply.hasHeader(name)) void reply.header(name, value);
  }
  // What an authenticated caller receives is theirs: no shared or browser cache keeps it.
  if (authenticated && !reply.hasHeader('Cache-Control')) void reply.header('Cache-Control', 'no-store');
}
