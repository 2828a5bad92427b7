import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StorageFault } from '../store/storage-fault.ts';

/** What /ready and /status say about the database's storage. */
export interface StorageState {
  readonly ok: boolean;
  /** Why writes fail (absent when ok). */
  readonly fault?: StorageFault['kind'] | 'low-space';
  readonly code?: string;
  readonly detail?: string;
  /** Wall instant (ISO) of the first failure of this episode. */
  readonly since?: string;
  /** Free bytes on the database's file system (SQLite only). */
  readonly freeBytes?: number;
  readonly minFreeBytes: number;
}

/**
 * Whether writes to the store work, as far as the mock can tell. A write that failed for the
 * storage's sake (see storageFaultOf) makes the mock not ready; it is ready again when a batch
 * commits, or, for a full disk, once the file system has `minFreeBytes` free again (checked on every
 * /ready and by a timer, so a mock nobody writes to recovers by itself too). A small write (the sim
 * clock) does not count as proof for a full disk: SQLite reuses WAL pages, so a few bytes can still
 * commit where a batch cannot.
 */
export class StorageHealth {
  readonly #dir: string | undefined;
  readonly #minFreeBytes: number;
  #fault: { fault: StorageFault; since: number } | undefined;

  /** `dbPath`: the SQLite file, when there is one (its directory's file system is watched). */
  constructor(dbPath: string | undefined, minFreeBytes: number) {
    this.#dir = dbPath === undefined ? undefined : dirname(dbPath);
    this.#minFreeBytes = minFreeBytes;
  }

  failed(fault: StorageFault): void {
    this.#fault = { fault, since: this.#fault?.since ?? Date.now() };
  }

  /** A write committed; `kind` 'batch' (a delivery or processing pass) or 'small' (a clock save). */
  wrote(kind: 'batch' | 'small'): void {
    if (!this.#fault) return;
    if (kind === 'batch' || this.#fault.fault.kind === 'failing' || this.#dir === undefined) this.#fault = undefined;
  }

  /** Free bytes on the database's file system, undefined when unknown. */
  freeBytes(): number | undefined {
    if (this.#dir === undefined) return undefined;
    try {
      const s = statfsSync(this.#dir);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  }

  state(): StorageState {
    const free = this.freeBytes();
    const roomy = free === undefined || free >= this.#minFreeBytes;
    if (this.#fault?.fault.kind === 'full' && roomy && free !== undefined) this.#fault = undefined;
    const base = { minFreeBytes: this.#minFreeBytes, ...(free !== undefined ? { freeBytes: free } : {}) };
    if (this.#fault) {
      const { fault, since } = this.#fault;
      return {
        ok: false,
        fault: fault.kind,
        code: fault.code,
        detail: fault.message,
        since: new Date(since).toISOString(),
        ...base,
      };
    }
    if (!roomy) {
      return {
        ok: false,
        fault: 'low-space',
        detail: `the database's file system has ${free} bytes free, less than storage.minFreeBytes (${this.#minFreeBytes})`,
        ...base,
      };
    }
    return { ok: true, ...base };
  }
}
