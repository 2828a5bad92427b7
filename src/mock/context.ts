import type { Clock } from '../clock/index.ts';
import type { Population } from '../population/index.ts';
import type { Store } from '../store/store.ts';
import type { AccessPolicy } from './access-policy.ts';
import type { MockConfig } from './config.ts';
import type { MockMetrics } from './metrics.ts';
import type { SessionTokens } from './session-token.ts';
import type { ServiceMetrics, WindowCounting } from './capacity/index.ts';
import type { StorageHealth } from './storage-health.ts';

export interface KnownAfnemer {
  readonly oin: string;
  readonly naam: string;
  readonly berichtTypes: ReadonlySet<string>;
}

/** What every plugin of the mock shares; decorated on the Fastify instance as `bbsim`. */
export interface MockContext {
  readonly config: MockConfig;
  /** Who may see what: afnemer identity (certificate or header), dev shortcuts, the operator view. */
  readonly access: AccessPolicy;
  readonly clock: Clock;
  readonly store: Store;
  readonly population: Population;
  readonly tokens: SessionTokens;
  readonly metrics: MockMetrics;
  /** Per-service capacity metrics (admitted, refused, queue, latency), in the same registry. */
  readonly serviceMetrics: ServiceMetrics;
  readonly afnemers: ReadonlyMap<string, KnownAfnemer>;
  /**
   * Letters offered to the intake (admitted or refused) per sim minute, hour and day: the load the
   * capacity norms are held against. In memory, or in the database when instances share it; limits
   * are infinite (it only counts).
   */
  readonly intakeOffered: WindowCounting;
  /** Whether writes to the store work (a full or failing disk makes the mock not ready). */
  readonly storage: StorageHealth;
  /** Runs the processing step now (the background worker calls it too); returns deliveries processed. */
  processDue(): Promise<number>;
}

declare module 'fastify' {
  interface FastifyInstance {
    bbsim: MockContext;
  }
}
