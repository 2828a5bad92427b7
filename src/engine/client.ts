import { Pool, type Dispatcher } from 'undici';

/** One HTTP exchange as the engine and rehearse see it. */
export interface ClientRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Abort the request after this many ms (counts as a timeout, not an HTTP status). */
  readonly timeoutMs?: number;
}

export interface ClientResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Raw service time: request written to last body byte, ms. */
  readonly serviceMs: number;
}

/** The small interface the engine's scheduler and `bbsim rehearse` send through (injectable in tests). */
export interface HttpClient {
  request(req: ClientRequest): Promise<ClientResponse>;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** Base URL: loopback only for load (checked by the callers that generate load). */
  readonly base: string;
  /** Keep-alive connections (default 64). */
  readonly connections?: number;
  /** Requests in flight per connection (default 1: HTTP/1.1 without pipelining). */
  readonly pipelining?: number;
  /** Default per-request timeout, ms (default 30 s). */
  readonly timeoutMs?: number;
}

function flatHeaders(h: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** An undici Pool with keep-alive: the one client the native engine and rehearse share. */
export function createClient(opts: ClientOptions): HttpClient {
  const url = new URL(opts.base);
  const prefix = url.pathname.replace(/\/$/, '');
  const pool = new Pool(url.origin, {
    connections: opts.connections ?? 64,
    pipelining: opts.pipelining ?? 1,
    keepAliveTimeout: 30_000,
  });
  const defaultTimeout = opts.timeoutMs ?? 30_000;
  return {
    async request(req) {
      const t0 = performance.now();
      const timeout = req.timeoutMs ?? defaultTimeout;
      const res = await pool.request({
        method: req.method,
        path: prefix + req.path,
        ...(req.headers ? { headers: req.headers } : {}),
        ...(req.body !== undefined ? { body: req.body } : {}),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
      });
      const body = await res.body.text();
      return { status: res.statusCode, headers: flatHeaders(res.headers), body, serviceMs: performance.now() - t0 };
    },
    async close() {
      await pool.close();
    },
  };
}
