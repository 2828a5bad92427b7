import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { MockConfig } from './config.ts';
import { CodedError, ERROR_CODES } from '../errors/error-codes.ts';

export type TlsConfig = NonNullable<MockConfig['tls']>;

/** A file of the TLS config that cannot be read: named, so the start-up error says which. */
export class TlsFileError extends CodedError {
  readonly code = ERROR_CODES.TLS_FILE_UNREADABLE;
  constructor(
    readonly field: string,
    readonly path: string,
    cause: Error,
  ) {
    super(`tls.${field}: cannot read ${path}: ${cause.message}`);
    this.name = 'TlsFileError';
  }
}

function read(field: keyof TlsConfig, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TlsFileError(field, path, err as Error);
  }
}

/**
 * Node's own HTTPS server options. Client certificates are asked for but not demanded at the
 * handshake (rejectUnauthorized false): burgers and DigiD have none, and an afnemer route can then
 * answer a missing, expired or foreign certificate with a 401 that says why, instead of a bare
 * handshake failure.
 */
export function httpsServerOptions(tls: TlsConfig): ServerOptions {
  return {
    key: read('key', tls.key),
    cert: read('cert', tls.cert),
    ca: read('ca', tls.ca),
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  };
}

/** What the client certificate of a connection says, read once per connection. */
export type PeerCertificate =
  | { readonly kind: 'none' }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'verified'; readonly serialNumber: string | undefined; readonly subject: string };

const seen = new WeakMap<TLSSocket, PeerCertificate>();

function isTlsSocket(socket: unknown): socket is TLSSocket {
  return typeof (socket as { getPeerCertificate?: unknown } | null)?.getPeerCertificate === 'function';
}

/**
 * The verified client certificate of a socket (cached per connection: keep-alive requests reuse the
 * handshake, so the certificate is decoded once, not per request).
 */
export function peerCertificate(socket: unknown): PeerCertificate {
  if (!isTlsSocket(socket)) return { kind: 'none' };
  const cached = seen.get(socket);
  if (cached) return cached;
  const cert = socket.getPeerCertificate();
  let out: PeerCertificate;
  if (Object.keys(cert).length === 0) out = { kind: 'none' };
  else if (!socket.authorized)
    out = { kind: 'refused', reason: String(socket.authorizationError ?? 'not signed by the configured CA') };
  else {
    const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
    const raw = subject['serialNumber'];
    const serialNumber = Array.isArray(raw) ? raw[0] : raw;
    out = {
      kind: 'verified',
      serialNumber,
      subject: Object.entries(subject)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', '),
    };
  }
  seen.set(socket, out);
  return out;
}
