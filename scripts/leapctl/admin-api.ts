/** The admin API as leapctl sees it: one call, and the answer as status and JSON. */
export interface AdminApi {
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** Thrown when the gateway cannot be reached at all. */
export class UnreachableError extends Error {}

/** The admin API at `baseUrl` (`https://leap.example.org`), authenticated with an API key. */
export function httpAdminApi(baseUrl: string, apiKey: string, timeoutMs = 30_000): AdminApi {
  const root = baseUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  return {
    async call(method, path, body) {
      let response: Response;
      try {
        response = await fetch(`${root}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new UnreachableError(`Cannot reach ${root}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
      }
      const text = await response.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = { detail: text.slice(0, 500) };
      }
      return { status: response.status, body: parsed };
    },
  };
}
