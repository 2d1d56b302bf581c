import { headerOf, type HttpRequest as Request } from '../common/http-types';

/**
 * The client's address. Behind `hops` trusted proxies it is the entry that many places from the
 * right of `X-Forwarded-For` (the entries further left were written by the client and prove nothing).
 */
export function clientAddress(request: Request, hops: number): string {
  const direct = (request.socket?.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
  if (hops <= 0) return direct;
  const forwarded = (headerOf(request, 'x-forwarded-for') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [...forwarded, direct];
  return (chain[Math.max(0, chain.length - 1 - hops)] ?? direct).replace(/^::ffff:/, '');
}
