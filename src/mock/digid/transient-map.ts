import type { SharedTransients } from '../../store/store.ts';
import { ExpiringMap } from './expiring-map.ts';

/**
 * Where DigiD keeps what lives between two requests of the artifact flow: pending AuthnRequests
 * (login page → form) and SAML artifacts (ACS redirect → ArtifactResolve). One process keeps them in
 * memory (ExpiringMap: bounded, swept on insert); instances sharing a PostgreSQL database keep them
 * there (`store.transients`), so the form, or the SP's ArtifactResolve, may reach any instance.
 * Either way an entry expires on the sim clock and is taken once: of two concurrent takes one gets it.
 */
export interface TransientMap<V> {
  /** Keeps `value` for the map's TTL from now; `owner`: only a take by that owner (or none) gets it. */
  set(key: string, value: V, owner?: string): Promise<void>;
  /** Removes and returns the live value when it has no owner or is `owner`'s; else undefined (and left in place). */
  take(key: string, owner?: string): Promise<V | undefined>;
  /** Live entries (the service's, when shared). */
  size(): Promise<number>;
  clear(): void;
}

export function memoryTransients<V>(ttlMs: number, maxEntries: number, now: () => number): TransientMap<V> {
  const map = new ExpiringMap<{ value: V; owner: string | undefined }>(ttlMs, maxEntries, now);
  return {
    async set(key, value, owner) {
      map.set(key, { value, owner });
    },
    async take(key, owner) {
      const e = map.get(key);
      if (e === undefined || (e.owner !== undefined && e.owner !== owner)) return undefined;
      map.delete(key);
      return e.value;
    },
    async size() {
      map.sweep();
      return map.size;
    },
    clear() {
      map.clear();
    },
  };
}

/** Entries as JSON rows of `kind` in the shared store; expired rows are swept now and then by `put`. */
export function sharedTransients<V>(
  store: SharedTransients,
  kind: string,
  ttlMs: number,
  now: () => number,
): TransientMap<V> {
  return {
    async set(key, value, owner) {
      const t = now();
      await store.put(kind, key, JSON.stringify(value), t, t + ttlMs, owner);
    },
    async take(key, owner) {
      const v = await store.take(kind, key, now(), owner);
      return v === undefined ? undefined : (JSON.parse(v) as V);
    },
    size: () => store.count(kind, now()),
    clear() {},
  };
}
