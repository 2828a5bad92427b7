/**
 * Which store failures are the storage's fault (a full or failing disk) rather than a bug: those
 * are retryable for the client (nothing of the failed transaction was committed), and make the mock
 * not ready until writes work again. Classified by the driver's error code, so any implementation
 * whose errors carry SQLite-style codes (or Node's ENOSPC/EIO) is understood.
 */
export type StorageFaultKind = 'full' | 'failing';

export interface StorageFault {
  readonly kind: StorageFaultKind;
  /** The driver's code, e.g. SQLITE_FULL or SQLITE_IOERR_FSYNC. */
  readonly code: string;
  readonly message: string;
}

// 53100 is PostgreSQL's disk_full.
const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT', '53100']);
// I/O errors, a file that cannot be opened or has become read-only, a lock held past the busy timeout.
const FAILING_PREFIXES = [
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'EIO',
  'EROFS',
];
/**
 * PostgreSQL unreachable or going away: the connection could not be made or broke (node-postgres'
 * PG_CONNECTION, see postgres-store.ts), SQLSTATE class 08 (connection exception), 53 (insufficient
 * resources; 53100 disk full is 'full' above), 57P01-57P03 (admin shutdown, crash shutdown, cannot
 * connect now), 58 (system error).
 */
const PG_FAILING = /^(PG_CONNECTION|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|08\w{3}|53\w{3}|57P0[123]|58\w{3})$/;

export function storageFaultOf(err: unknown): StorageFault | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  const message = (err as { message?: unknown }).message;
  const text = typeof message === 'string' ? message : code;
  if (FULL_CODES.has(code)) return { kind: 'full', code, message: text };
  if (FAILING_PREFIXES.some((p) => code === p || code.startsWith(`${p}_`)) || PG_FAILING.test(code))
    return { kind: 'failing', code, message: text };
  return undefined;
}
