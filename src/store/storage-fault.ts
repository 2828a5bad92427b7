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

const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
// I/O errors, a file that cannot be opened or has become read-only, a lock held past the busy timeout.
const FAILING_PREFIXES = ['SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'EIO', 'EROFS'];

export function storageFaultOf(err: unknown): StorageFault | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  const message = (err as { message?: unknown }).message;
  const text = typeof message === 'string' ? message : code;
  if (FULL_CODES.has(code)) return { kind: 'full', code, message: text };
  if (FAILING_PREFIXES.some((p) => code === p || code.startsWith(`${p}_`))) return { kind: 'failing', code, message: text };
  return undefined;
}
