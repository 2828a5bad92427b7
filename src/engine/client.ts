import type { Dispatcher } from 'undici';
import { ConnectionPool } from './connection-pool.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

/** One HTTP exchange as the engine and rehearse see it. */
export interface ClientRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Abort the request after this many ms (counts as a timeout, not an HTTP status). */
  readonly timeoutMs?: number;
  /** Aborts the request (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
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
  /** Mutual TLS for an https base: the client certificate and key, and the CA to trust (PEM). */
  readonly tls?: ClientTls;
  /**
   * A path (under the base) each new connection GETs before it carries a request, so that no request
   * waits on a connection the server has not accepted yet (ConnectionPool); absent: no probe.
   */
  readonly probePath?: string;
}

/** A client certificate (Digikoppeling two-way TLS: the afnemer's OIN in its subject) and the CA the server's certificate must chain to. */
export interface ClientTls {
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly ca?: string | Buffer;
}

/** A request that did not get a whole answer within its time. */
export class ClientTimeoutError extends CodedError {
  readonly code = ERROR_CODES.CLIENT_TIMEOUT;
  constructor(
    readonly timeoutMs: number,
    path: string,
  ) {
    super(`no complete answer to ${path} within ${timeoutMs} ms`);
    // The name AbortSignal.timeout() gives, which callers may already test for.
    this.name = 'TimeoutError';
  }
}

/** Error codes of the connect phase: the request never reached the server. */
const CONNECT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

/**
 * No connection could be made: unlike a timeout or a reset, nothing was sent, so a caller that must
 * not deliver twice (rehearse) knows the request is simply still to do.
 */
export class ClientConnectError extends CodedError {
  readonly code = ERROR_CODES.CLIENT_CONNECT_FAILED;
  /** The system's code of the connect failure (ECONNREFUSED, …). */
  constructor(
    readonly connectCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

function connectErrorOf(err: Error): Error {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && CONNECT_CODES.has(code) ? new ClientConnectError(code, err.message) : err;
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * One request through undici's dispatch API: no stream objects per response (the engine sends tens
 * of thousands a second), and the service time starts when the request is written to its socket,
 * so a wait for a free connection is not counted as the server's time.
 */
function dispatch(
  pool: ConnectionPool,
  path: string,
  req: ClientRequest,
  timeoutMs: number,
  watch: Watcher,
): Promise<ClientResponse> {
  return new Promise<ClientResponse>((resolve, reject) => {
    let written = 0;
    let status = 0;
    let headers: Record<string, string> = {};
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    let unwatch: (() => void) | undefined;
    const signal = req.signal;
    const onAbort = (): void => {
      controller?.abort(signal?.reason);
      finish(signal?.reason instanceof Error ? signal.reason : new Error('request aborted'));
    };
    // A whole-request deadline (headersTimeout/bodyTimeout alone would let a slow trickle run on).
    const timer = setTimeout(() => {
      controller?.abort(new ClientTimeoutError(timeoutMs, path));
      finish(new ClientTimeoutError(timeoutMs, path));
    }, timeoutMs);
    const finish = (err: Error | undefined, res?: ClientResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unwatch?.();
      if (err) reject(err);
      else resolve(res!);
    };
    if (signal) {
      if (signal.aborted) {
        onAbort();
        return;
      }
      unwatch = watch(signal, onAbort);
    }
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (settled) c.abort(new Error('request aborted'));
        written = performance.now();
      },
      onResponseStart(_c, statusCode, h) {
        status = statusCode;
        headers = flatHeaders(h);
      },
      onResponseData(_c, chunk) {
        if (first === undefined) first = chunk;
        else (chunks ??= [first]).push(chunk);
      },
      onResponseEnd() {
        const body = chunks ? Buffer.concat(chunks).toString('utf8') : first ? first.toString('utf8') : '';
        finish(undefined, { status, headers, body, serviceMs: performance.now() - written });
      },
      onResponseError(_c, err) {
        finish(connectErrorOf(err));
      },
    };
    pool.dispatch(
      {
        method: req.method,
        path,
        ...(req.headers ? { headers: req.headers } : {}),
        ...(req.body !== undefined ? { body: req.body } : {}),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      },
      handler,
    );
  });
}

type Watcher = (signal: AbortSignal, onAbort: () => void) => () => void;

/**
 * One 'abort' listener per signal, however many requests share it: a load engine passes the same
 * signal to thousands of requests in flight, and EventTarget listeners cost O(n) to remove.
 */
function signalWatcher(): Watcher {
  const watched = new WeakMap<AbortSignal, Set<() => void>>();
  return (signal, onAbort) => {
    let set = watched.get(signal);
    if (!set) {
      const fresh = new Set<() => void>();
      watched.set(signal, fresh);
      signal.addEventListener(
        'abort',
        () => {
          for (const f of [...fresh]) f();
          fresh.clear();
        },
        { once: true },
      );
      set = fresh;
    }
    set.add(onAbort);
    const s = set;
    return () => {
      s.delete(onAbort);
    };
  };
}

/** Keep-alive connections with a free list (ConnectionPool): the one client the native engine and rehearse share. */
export function createClient(opts: ClientOptions): HttpClient {
  const url = new URL(opts.base);
  const prefix = url.pathname.replace(/\/$/, '');
  const defaultTimeout = opts.timeoutMs ?? 30_000;
  const pool = new ConnectionPool(url.origin, {
    connections: opts.connections ?? 64,
    pipelining: opts.pipelining ?? 1,
    keepAliveTimeout: 30_000,
    ...(opts.probePath !== undefined ? { probe: { path: prefix + opts.probePath, timeoutMs: defaultTimeout } } : {}),
    // Keep-alive reuses each connection's handshake, so TLS costs a handshake per connection, not per request.
    ...(opts.tls !== undefined ? { connect: { ...opts.tls } } : {}),
  });
  const watch = signalWatcher();
  return {
    request(req) {
      return dispatch(pool, prefix + req.path, req, req.timeoutMs ?? defaultTimeout, watch);
    },
    async close() {
      await pool.close();
    },
  };
}
