import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { GatewayConfig } from '../config/config.schema';
import { answerClientErrors } from './client-errors';
import { securityHeaders } from './security-headers';

/** The headers an answer written outside Express (a refused request) carries too. */
const BARE_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'" };

/**
 * The gateway's HTTP server: Express names itself nowhere, every answer gets the security headers
 * before routing (so 404s, 405s and refused bodies have them too), and requests the HTTP parser
 * refuses are answered as problems. Idle keep-alive connections last HTTP_KEEP_ALIVE_TIMEOUT. Bodies are read by RequestInputInterceptor, not by Express.
 */
export function configureGatewayHttp(app: INestApplication, config: Record<string, unknown>): void {
  const { TRUST_PROXY_HOPS, HTTP_KEEP_ALIVE_TIMEOUT } = config as Pick<GatewayConfig, 'TRUST_PROXY_HOPS' | 'HTTP_KEEP_ALIVE_TIMEOUT'>;
  const express = app.getHttpAdapter().getInstance() as { disable(setting: string): void };
  express.disable('x-powered-by');
  app.use(securityHeaders(TRUST_PROXY_HOPS));
  const server = app.getHttpServer() as Server;
  // An idle connection outlives the client's and the proxy's idea of it; headers get a little longer still.
  server.keepAliveTimeout = HTTP_KEEP_ALIVE_TIMEOUT;
  server.headersTimeout = Math.max(server.headersTimeout, HTTP_KEEP_ALIVE_TIMEOUT + 1000);
  answerClientErrors(server, BARE_HEADERS);
}
