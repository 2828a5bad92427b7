import { createHash } from 'node:crypto';
import pg from 'pg';
import { stadiumOf, type VerwerkingsCode, type VerwerkResponse } from '../berichten/index.ts';
import { SpeedSchedule } from '../clock/index.ts';
import type { Migration } from './migrations.ts';
import { finalOutcomes, foldSent, type OutcomeCounts, type SentSummary } from './letter-outcomes.ts';
import {
  deliveryViewOf,
  letterSummaryOf,
  SUMMARY_COLUMNS,
  type DeliveryRow,
  type SummaryRow,
  type VbRow,
} from './store-rows.ts';
import { PG_MIGRATIONS } from './postgres-migrations.ts';
import {
  DUE_FETCH,
  INITIAL_NOTIFICATION_STATE,
  planRound,
  takeDue,
  type DueLetter,
  type DueRow,
} from './processing-round.ts';
import { bsnBytes, bsnCodes } from './bsn-codes.ts';
import { storageFaultOf } from './storage-fault.ts';
import type {
  BijlageContent,
  ClockAnchor,
  DeliveryInput,
  DeliveryResult,
  DeliveryView,
  IntakeStats,
  LetterPage,
  LetterQuery,
  LetterSummary,
  LetterView,
  NotificationPeaks,
  NotificationPlanner,
  NotificationState,
  NotificationStats,
  PortalQuery,
  PortalRow,
  SharedTransients,
  SharedWindows,
  Store,
  StoredSubscription,
  SubscriptionDecision,
  VerwerkingsberichtItem,
  VerwerkingsberichtPage,
  VerwerkingsberichtQuery,
  WindowAdmission,
  WindowCount,
} from './store.ts';

export interface PostgresStoreOptions {
  /** postgres://user@host:port/db (libpq URL). */
  readonly url: string;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** Wall ms a connection attempt may take before the operation fails as a storage fault (default 2000). */
  readonly connectTimeoutMs?: number;
}

/** Advisory lock keys (one namespace for bbsim): migrations, and the one processing pass of the service. */
const LOCK_MIGRATE = 0x62627301;
const LOCK_PROCESS = 0x62627302;

type Counts = OutcomeCounts;

/**
 * Connection-level failures carry no SQLSTATE in node-postgres ("Connection terminated
 * unexpectedly", a connect timeout): they get the code PG_CONNECTION here, so storageFaultOf treats
 * them as the storage failing (503 with Retry-After, nothing committed) and not as a bug.
 */
export function pgFault(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return err;
  if (
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable/i.test(
      err.message,
    )
  ) {
    return Object.assign(err, { code: 'PG_CONNECTION' });
  }
  return err;
}

export { isPostgresUrl } from './postgres-url.ts';

export async function openPostgresStore(
  options: PostgresStoreOptions,
  migrations: readonly Migration[] = PG_MIGRATIONS,
): Promise<PostgresStore> {
  const store = new PostgresStore(options);
  try {
    await store.migrate(migrations);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/**
 * The Store on PostgreSQL (node-postgres), for several mock instances sharing one database:
 * - a delivery locks the intake row (`state` 'parkedUntil' FOR UPDATE) before it reads the
 *   admission counters and the parking state, so concurrent instances admit exactly up to the
 *   limits and park in one FIFO; the batch, its letters and counters commit in that transaction
 *   before `deliver` resolves (the 202 follows the commit: RPO 0). Deliveries of one instance that
 *   arrive in the same event-loop turn share one transaction (one WAL flush), in 2 + 2 round trips per delivery (flushDeliveries);
 * - processing runs under a transaction-scoped advisory lock: one pass at a time for the whole
 *   service, whichever instance runs it; a killed instance's lock goes with its connection;
 * - sim clock, capacity windows and once-values are rows every instance reads.
 */
export class PostgresStore implements Store {
  readonly url: string;
  readonly shared = true;
  readonly windows: SharedWindows;
  readonly transients: SharedTransients;
  private readonly pool: pg.Pool;
  private putsSinceSweep = 0;
  private readonly pendingDeliveries: {
    input: DeliveryInput;
    resolve: (r: DeliveryResult) => void;
    reject: (e: unknown) => void;
  }[] = [];
  private closed = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(options: PostgresStoreOptions) {
    this.url = options.url;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
      idleTimeoutMillis: 30_000,
    });
    // A connection that dies while idle (PostgreSQL restarted) must not crash the process: the pool
    // drops it, and the next query opens a new one.
    this.pool.on('error', () => undefined);
    this.windows = {
      admit: (scope, buckets, n) => this.admitWindows(scope, buckets, n),
      refund: (scope, buckets, n) => this.refundWindows(scope, buckets, n),
      read: (scope, buckets) => this.readWindows(scope, buckets),
    };
    this.transients = {
      put: (kind, key, value, now, expiresAt, owner) => this.putTransient(kind, key, value, now, expiresAt, owner),
      take: async (kind, key, now, owner) =>
        (
          await this.q<{ value: string }>(
            `DELETE FROM transients WHERE kind = $1 AND key = $2 AND expires_at > $3 AND (owner IS NULL OR owner = $4)
             RETURNING value`,
            [kind, key, now, owner ?? null],
            undefined,
            'transient-take',
          )
        ).rows[0]?.value,
      count: async (kind, now) =>
        (
          await this.q<{ n: number }>('SELECT count(*)::int AS n FROM transients WHERE kind = $1 AND expires_at > $2', [
            kind,
            now,
          ])
        ).rows[0]!.n,
    };
  }

  private async putTransient(
    kind: string,
    key: string,
    value: string,
    now: number,
    expiresAt: number,
    owner: string | undefined,
  ): Promise<void> {
    // Expired values are swept every 256 puts (one indexed range delete), not on every one.
    if (++this.putsSinceSweep >= 256) {
      this.putsSinceSweep = 0;
      await this.q('DELETE FROM transients WHERE kind = $1 AND expires_at <= $2', [kind, now]);
    }
    await this.q(
      `INSERT INTO transients (kind, key, value, owner, expires_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, owner = excluded.owner, expires_at = excluded.expires_at`,
      [kind, key, value, owner ?? null, expiresAt],
      undefined,
      'transient-put',
    );
  }

  // ----- the Abonnementservice's requests -----

  async updateSubscriptions<R>(
    key: string,
    forgetBefore: number,
    decide: (state: string | undefined, existing: StoredSubscription | undefined) => SubscriptionDecision<R>,
  ): Promise<R> {
    return this.tx(async (c) => {
      // The service's lock: admission and planning of every instance, one at a time.
      const st = (
        await this.q<{ value: string }>("SELECT value FROM state WHERE key = 'subscriptions' FOR UPDATE", [], c)
      ).rows[0];
      await this.q('DELETE FROM subscriptions WHERE ready_at < $1', [forgetBefore], c);
      const row =
        key === ''
          ? undefined
          : (await this.q<SubscriptionRow>('SELECT * FROM subscriptions WHERE key = $1', [key], c)).rows[0];
      const d = decide(st === undefined || st.value === 'null' ? undefined : st.value, row && subscriptionOf(row));
      await this.setStateOn(c, 'subscriptions', d.state);
      if (d.store !== undefined) {
        const v = d.store;
        await this.q(
          `INSERT INTO subscriptions (key, kind, info, bsns, ready_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, info = excluded.info, bsns = excluded.bsns, ready_at = excluded.ready_at`,
          [v.key, v.kind, v.info, v.bsns === undefined ? null : bsnBytes(v.bsns), v.readyAt],
          c,
        );
      }
      return d.result;
    });
  }

  async getSubscription(key: string): Promise<StoredSubscription | undefined> {
    const row = (await this.q<SubscriptionRow>('SELECT * FROM subscriptions WHERE key = $1', [key])).rows[0];
    return row && subscriptionOf(row);
  }

  /** A redacted URL for banners and logs (no password). */
  get displayUrl(): string {
    try {
      const u = new URL(this.url);
      if (u.password !== '') u.password = '***';
      return u.toString();
    } catch {
      return 'postgres://…';
    }
  }

  // ----- plumbing -----

  private async q<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
    client?: pg.PoolClient,
    name?: string,
  ): Promise<pg.QueryResult<R>> {
    try {
      // Named: prepared once per connection, so the hot reads (the inbox list) are not planned on every request.
      return await (client ?? this.pool).query<R>(
        name === undefined ? { text: sql, values: params } : { name, text: sql, values: params },
      );
    } catch (err) {
      throw pgFault(err);
    }
  }

  /** Runs `work` in one transaction on one connection; rolls back on any error. */
  private async tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.inTransaction(async (c) => {
      await this.q('BEGIN', [], c);
      const out = await work(c);
      await this.q('COMMIT', [], c);
      return out;
    });
  }

  /**
   * Runs `work`, which opens and commits its own transaction, on one connection: a failure rolls
   * back whatever is open and is answered as a storage fault.
   */
  private async inTransaction<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw pgFault(err);
    }
    // A connection that breaks while checked out emits 'error' on its client: without a listener
    // that would end the process; the failing query rejects anyway, and the client is discarded.
    let broken = false;
    const onError = (): void => {
      broken = true;
    };
    client.on('error', onError);
    try {
      return await work(client);
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw pgFault(err);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** Brings the database to the newest version under an advisory lock (instances starting together migrate once). */
  async migrate(migrations: readonly Migration[] = PG_MIGRATIONS): Promise<{ from: number; to: number }> {
    return this.tx(async (c) => {
      await this.q('SELECT pg_advisory_xact_lock($1)', [LOCK_MIGRATE], c);
      await this.q(
        `CREATE TABLE IF NOT EXISTS bbsim_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
        [],
        c,
      );
      const from = (
        await this.q<{ v: number }>('SELECT coalesce(max(version), 0)::int AS v FROM bbsim_migrations', [], c)
      ).rows[0]!.v;
      if (from > migrations.length) {
        throw new Error(
          `database ${this.displayUrl} has schema version ${from}, but this bbsim knows only up to version ${migrations.length}; use a newer bbsim or another database`,
        );
      }
      for (let version = from + 1; version <= migrations.length; version++) {
        const step = migrations[version - 1]!;
        // Each step in a savepoint: a failing one leaves the versions before it (DDL is transactional in PostgreSQL).
        await this.q(step.sql, [], c);
        await this.q('INSERT INTO bbsim_migrations (version, name) VALUES ($1, $2)', [version, step.name], c);
      }
      return { from, to: Math.max(from, migrations.length) };
    });
  }

  async schemaVersion(): Promise<number> {
    return (await this.q<{ v: number }>('SELECT coalesce(max(version), 0)::int AS v FROM bbsim_migrations')).rows[0]!.v;
  }

  // ----- intake -----

  async deliver(input: DeliveryInput): Promise<DeliveryResult> {
    if (this.closed) throw new Error('store is closed');
    return new Promise<DeliveryResult>((resolve, reject) => {
      this.pendingDeliveries.push({ input, resolve, reject });
      if (this.pendingDeliveries.length === 1)
        setImmediate(() => {
          this.flushing = this.flushDeliveries();
        });
    });
  }

  /**
   * One transaction for the group, in few round trips: BEGIN and the intake lock in one simple
   * query, then per delivery one read (admission counters, attempt, letters already stored) and, when
   * admitted, one write (the delivery, its results, letters, attachments, counters, totals and the
   * parking state in one statement of data-modifying CTEs), then COMMIT: 2 + 2 per delivery, where
   * one statement per table and counter made 17 for a delivery of one batch. A failing delivery
   * aborts the group's transaction; the group is then retried one delivery per transaction, so the
   * others still commit (what savepoints did, without their two round trips per delivery).
   */
  private async flushDeliveries(): Promise<void> {
    const group = this.pendingDeliveries.splice(0);
    if (group.length === 0) return;
    try {
      const results = await this.deliverGroup(group.map((p) => p.input));
      group.forEach((p, i) => p.resolve(results[i]!));
      return;
    } catch (error) {
      // The database failing (down, full) fails every delivery alike: answered at once, not retried
      // one by one (each would wait for its own connect timeout while PostgreSQL is down).
      if (group.length === 1 || storageFaultOf(error) !== undefined) {
        for (const p of group) p.reject(error);
        return;
      }
    }
    for (const p of group) {
      try {
        p.resolve((await this.deliverGroup([p.input]))[0]!);
      } catch (error) {
        p.reject(error);
      }
    }
  }

  private async deliverGroup(inputs: readonly DeliveryInput[]): Promise<DeliveryResult[]> {
    return this.inTransaction(async (client) => {
      // Simple protocol: both statements in one round trip. The lock comes before the reads, in
      // its own statement: a statement's snapshot is taken when it starts, so counters read in
      // the statement that waits for the lock could be stale.
      const opened = (await this.q(
        "BEGIN; SELECT value FROM state WHERE key = 'parkedUntil' FOR UPDATE",
        [],
        client,
      )) as unknown as pg.QueryResult<{ value: string }>[];
      const parked = opened[1]?.rows[0];
      let parkedUntil = parked === undefined ? 0 : Number(JSON.parse(parked.value));
      const out: DeliveryResult[] = [];
      for (const input of inputs) {
        const r = await this.deliverOne(client, input, parkedUntil);
        if (r.admitted) parkedUntil = r.parkEnd;
        out.push(r);
      }
      await this.q('COMMIT', [], client);
      return out;
    });
  }

  private async deliverOne(c: pg.PoolClient, input: DeliveryInput, parkedUntil: number): Promise<DeliveryResult> {
    const n = input.outcomes.length;
    const a = input.admission;
    const candidates = input.outcomes
      .filter((o) => o.code === 'Verwerkt' && o.letter !== undefined)
      .map((o) => o.letter!.berichtId);
    // Round trip 1: everything the decision needs. Not a named (prepared) statement, nor the
    // write below: after five runs PostgreSQL may plan a prepared one generically, without the
    // arrays' sizes, and deliveries of 1,000 letters then went from about 7,000 to 1,500 letters/s.
    const read = (
      await this.q<{ hour: string | null; day: string | null; attempts: number; existing: string[] }>(
        `SELECT (SELECT count FROM counters WHERE kind = 'intake-hour' AND bucket = $1 AND afnemer_oin = '' AND name = 'admitted') AS hour,
                (SELECT count FROM counters WHERE kind = 'intake-day' AND bucket = $2 AND afnemer_oin = '' AND name = 'admitted') AS day,
                (SELECT count(*)::int FROM deliveries WHERE afnemer_oin = $3 AND batch_id = $4) AS attempts,
                (SELECT coalesce(array_agg(bericht_id), '{}') FROM letters WHERE afnemer_oin = $3 AND bericht_id = ANY($5::text[])) AS existing`,
        [a.hourKey, a.dayKey, input.afnemerOin, input.batchId, candidates],
        c,
      )
    ).rows[0]!;
    const hourUsed = Number(read.hour ?? 0);
    if (hourUsed + n > a.hourLimit) return { admitted: false, window: 'hour', used: hourUsed, limit: a.hourLimit };
    const dayUsed = Number(read.day ?? 0);
    if (dayUsed + n > a.dayLimit) return { admitted: false, window: 'day', used: dayUsed, limit: a.dayLimit };
    const attempt = 1 + read.attempts;
    const existing = new Set(read.existing);

    const { outcomes, counts } = finalOutcomes(input, attempt, (id) => existing.has(id));

    const interval = input.parkIntervalMs;
    const parkStart = Math.max(input.receivedAt, parkedUntil);
    const parkEnd = parkStart + n * interval;
    const processAt = parkEnd + input.processingDelayMs;

    // Whole arrays per table (unnest), all tables in one statement.
    const res = {
      seq: [] as number[],
      id: [] as string[],
      type: [] as string[],
      code: [] as string[],
      tl: [] as string[],
    };
    const let_ = {
      id: [] as string[],
      seq: [] as number[],
      bsn: [] as string[],
      type: [] as string[],
      ond: [] as string[],
      tekst: [] as string[],
      ref: [] as (string | null)[],
      pub: [] as (number | null)[],
      eind: [] as (number | null)[],
      parked: [] as number[],
      proc: [] as number[],
      bij: [] as number[],
    };
    const bij = {
      id: [] as string[],
      vo: [] as number[],
      om: [] as string[],
      bytes: [] as number[],
      sha: [] as string[],
    };
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < n; i++) {
      const o = outcomes[i]!;
      res.seq.push(o.seq);
      res.id.push(o.berichtId);
      res.type.push(o.berichtType);
      res.code.push(o.code);
      res.tl.push(o.toelichting);
      const l = o.letter;
      if (o.code !== 'Verwerkt' || l === undefined) continue;
      const parkedAt = parkStart + (i + 1) * interval;
      let_.id.push(l.berichtId);
      let_.seq.push(o.seq);
      let_.bsn.push(l.bsn);
      let_.type.push(l.berichtType);
      let_.ond.push(l.onderwerp);
      let_.tekst.push(l.berichtTekst);
      let_.ref.push(l.referentie ?? null);
      let_.pub.push(l.publicatieDatum ?? null);
      let_.eind.push(l.eindDatumHandelingsTermijn ?? null);
      let_.parked.push(parkedAt);
      let_.proc.push(parkedAt + input.processingDelayMs);
      let_.bij.push(l.bijlagen.length);
      for (const b of l.bijlagen) {
        const sha256 = createHash('sha256').update(b.content).digest('hex');
        bij.id.push(l.berichtId);
        bij.vo.push(b.volgorde);
        bij.om.push(b.omschrijving);
        bij.bytes.push(b.content.length);
        bij.sha.push(sha256);
        if (input.storeAttachmentContent) contents.set(sha256, b.content);
      }
    }
    const shas = [...contents.keys()];
    // Round trip 2: the delivery and everything that follows from it. The sub-statements run on
    // one snapshot and none reads another's rows, except through d's RETURNING.
    const deliveryId = (
      await this.q<{ id: number }>(
        `WITH d AS (
           INSERT INTO deliveries (batch_id, afnemer_oin, attempt, format, received_at, aanmaak_datum, letters, counts,
             park_start, park_end, park_interval, process_at) VALUES ($1, $2, $3, $4, $5, $6, $7::int, $8, $9, $10, $11, $12) RETURNING id),
         r AS (
           INSERT INTO results (delivery_id, seq, bericht_id, bericht_type, code, toelichting)
             SELECT d.id, t.* FROM d, unnest($13::int[], $14::text[], $15::text[], $16::text[], $17::text[]) AS t),
         l AS (
           INSERT INTO letters (delivery_id, afnemer_oin, bericht_id, seq, bsn, bericht_type, onderwerp, tekst, referentie,
               publicatie_datum, eind_datum, parked_at, processed_at, bijlagen)
             SELECT d.id, $2::text, t.* FROM d, unnest($18::text[], $19::int[], $20::text[], $21::text[], $22::text[], $23::text[], $24::text[],
               $25::float8[], $26::float8[], $27::float8[], $28::float8[], $29::int[]) AS t),
         b AS (
           INSERT INTO bijlagen (afnemer_oin, bericht_id, volgorde, omschrijving, bytes, sha256, stored)
             SELECT $2::text, t.*, $35::int FROM unnest($30::text[], $31::int[], $32::text[], $33::int[], $34::text[]) AS t),
         ac AS (
           INSERT INTO attachment_contents (sha256, bytes, content) SELECT * FROM unnest($36::text[], $37::int[], $38::bytea[])
             ON CONFLICT (sha256) DO NOTHING),
         k AS (
           INSERT INTO counters (kind, bucket, afnemer_oin, name, count)
             VALUES ('intake-hour', $39, '', 'admitted', $7::int), ('intake-day', $40, '', 'admitted', $7::int), ('portal', $41, $2, 'offered', $7::int)
             ON CONFLICT (kind, bucket, afnemer_oin, name) DO UPDATE SET count = counters.count + excluded.count),
         tot AS (
           UPDATE totals SET deliveries = deliveries + 1, deliveries_pending = deliveries_pending + 1,
             letters_admitted = letters_admitted + $7::int, max_parking_delay = greatest(max_parking_delay, $42::float8) WHERE id = 1),
         p AS (UPDATE state SET value = $43::text WHERE key = 'parkedUntil')
         SELECT id FROM d`,
        [
          input.batchId,
          input.afnemerOin,
          attempt,
          input.format,
          input.receivedAt,
          input.aanmaakDatum ?? null,
          n,
          JSON.stringify(counts),
          parkStart,
          parkEnd,
          interval,
          processAt,
          res.seq,
          res.id,
          res.type,
          res.code,
          res.tl,
          let_.id,
          let_.seq,
          let_.bsn,
          let_.type,
          let_.ond,
          let_.tekst,
          let_.ref,
          let_.pub,
          let_.eind,
          let_.parked,
          let_.proc,
          let_.bij,
          bij.id,
          bij.vo,
          bij.om,
          bij.bytes,
          bij.sha,
          input.storeAttachmentContent ? 1 : 0,
          shas,
          shas.map((s) => contents.get(s)!.length),
          shas.map((s) => contents.get(s)!),
          a.hourKey,
          a.dayKey,
          input.dayKey,
          parkEnd - input.receivedAt,
          JSON.stringify(parkEnd),
        ],
        c,
      )
    ).rows[0]!.id;
    return { admitted: true, deliveryId, attempt, outcomes, parkStart, parkEnd, processAt };
  }

  async getDelivery(batchId: string, afnemerOin: string): Promise<DeliveryView | undefined> {
    const r = (
      await this.q<DeliveryRow>(
        `SELECT d.*, v.id AS vb_id FROM deliveries d LEFT JOIN verwerkingsberichten v ON v.delivery_id = d.id
                    WHERE d.afnemer_oin = $1 AND d.batch_id = $2 ORDER BY d.attempt DESC LIMIT 1`,
        [afnemerOin, batchId],
      )
    ).rows[0];
    return r === undefined ? undefined : deliveryViewOf(r);
  }

  async windowCounts(hourKey: string, dayKey: string): Promise<{ hour: number; day: number }> {
    const rows = (
      await this.q<{ kind: string; count: string }>(
        `SELECT kind, count FROM counters WHERE afnemer_oin = '' AND name = 'admitted'
                   AND ((kind = 'intake-hour' AND bucket = $1) OR (kind = 'intake-day' AND bucket = $2))`,
        [hourKey, dayKey],
      )
    ).rows;
    const of = (k: string): number => Number(rows.find((r) => r.kind === k)?.count ?? 0);
    return { hour: of('intake-hour'), day: of('intake-day') };
  }

  // ----- processing -----

  async processDue(
    now: number,
    planNotification: NotificationPlanner,
    dayKeyOf: (t: number) => string,
  ): Promise<number> {
    // Most calls find nothing due (every instance's worker asks 10 times a second, and reads ask
    // first): one indexed lookup without a transaction or the lock. Measured: the locked pass on
    // every inbox request held the presentation at about 300 requests/s.
    const due = await this.q(
      'SELECT 1 FROM deliveries WHERE processed_at IS NULL AND process_at <= $1 LIMIT 1',
      [now],
      undefined,
      'any-due',
    );
    if (due.rowCount === 0) return 0;
    let total = 0;
    for (;;) {
      const { processed, more } = await this.tx((c) => this.processRound(c, now, planNotification, dayKeyOf));
      total += processed;
      if (!more) return total;
    }
  }

  private async processRound(
    c: pg.PoolClient,
    now: number,
    plan: NotificationPlanner,
    dayKeyOf: (t: number) => string,
  ): Promise<{ processed: number; more: boolean }> {
    // One pass for the whole service: an instance that finds the lock held waits for that pass and
    // then sees its work done. The lock is the transaction's: a killed instance releases it.
    await this.q('SELECT pg_advisory_xact_lock($1)', [LOCK_PROCESS], c);
    const { take, more } = takeDue(
      (
        await this.q<DueRow>(
          `SELECT id, afnemer_oin, received_at, process_at, letters, counts FROM deliveries
                   WHERE processed_at IS NULL AND process_at <= $1 ORDER BY id LIMIT $2`,
          [now, DUE_FETCH],
          c,
        )
      ).rows,
    );
    if (take.length === 0) return { processed: 0, more: false };
    const doneIds = take.map((d) => d.id);
    // The letters of the whole round in one round trip (not one per delivery).
    const lettersOf = new Map<number, DueLetter[]>();
    const letterRows = await this.q<{
      delivery_id: number;
      bericht_id: string;
      bsn: string;
      afnemer_oin: string;
      processed_at: number;
    }>(
      'SELECT delivery_id, bericht_id, bsn, afnemer_oin, processed_at FROM letters WHERE delivery_id = ANY($1::int[]) ORDER BY delivery_id, seq',
      [doneIds],
      c,
    );
    for (const row of letterRows.rows) {
      let list = lettersOf.get(row.delivery_id);
      if (list === undefined) lettersOf.set(row.delivery_id, (list = []));
      list.push([row.bericht_id, row.bsn, row.afnemer_oin, row.processed_at]);
    }
    const r = planRound(
      take,
      (id) => lettersOf.get(id) ?? [],
      await this.jsonStateOn<NotificationState>(c, 'notificationState', INITIAL_NOTIFICATION_STATE, true),
      await this.jsonStateOn<SentSummary>(
        c,
        'notificationSent',
        { upTo: null, sent: 0, maxDelayMs: 0, carried: {} },
        true,
      ),
      plan,
      dayKeyOf,
    );
    const doneOins = take.map((d) => d.afnemer_oin);
    const doneAt = take.map((d) => d.process_at);
    await this.q('UPDATE deliveries SET processed_at = process_at WHERE id = ANY($1::int[])', [doneIds], c);
    await this.q(
      `INSERT INTO verwerkingsberichten (delivery_id, afnemer_oin, created_at)
                  SELECT t.d, t.o, t.c FROM unnest($1::int[], $2::text[], $3::float8[]) WITH ORDINALITY AS t (d, o, c, i) ORDER BY i`,
      [doneIds, doneOins, doneAt],
      c,
    );
    const notif = r.notifications;
    if (notif.berichtId.length > 0) {
      await this.q(
        `INSERT INTO notifications (bericht_id, bsn, afnemer_oin, enqueued_at, notify_at, enqueued_day, notify_day)
                    SELECT t.a, t.b, t.c, t.d, t.e, t.f, t.g FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::text[], $7::text[])
                    WITH ORDINALITY AS t (a, b, c, d, e, f, g, i) ORDER BY i`,
        [
          notif.berichtId,
          notif.bsn,
          notif.afnemerOin,
          notif.enqueuedAt,
          notif.notifyAt,
          notif.enqueuedDay,
          notif.notifyDay,
        ],
        c,
      );
    }
    const kinds: string[] = [];
    const buckets: string[] = [];
    const oins: string[] = [];
    const names: string[] = [];
    const ns: number[] = [];
    for (const [kind, bucket, oin, name, k] of r.counters) {
      kinds.push(kind);
      buckets.push(bucket);
      oins.push(oin);
      names.push(name);
      ns.push(k);
    }
    await this.q(
      `INSERT INTO counters (kind, bucket, afnemer_oin, name, count)
                  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
                  ON CONFLICT (kind, bucket, afnemer_oin, name) DO UPDATE SET count = counters.count + excluded.count`,
      [kinds, buckets, oins, names, ns],
      c,
    );
    await this.setStateOn(c, 'notificationState', JSON.stringify(r.state));
    if (r.sentChanged) await this.setStateOn(c, 'notificationSent', JSON.stringify(r.sent));
    await this.q(
      `UPDATE totals SET deliveries_pending = deliveries_pending - $1, max_processing_delay = greatest(max_processing_delay, $2),
                  notifications_enqueued = notifications_enqueued + $3 WHERE id = 1`,
      [r.processed, r.maxDelay, r.enqueued],
      c,
    );
    return { processed: r.processed, more };
  }

  // ----- verwerkingsberichten -----

  private async resultsOf(deliveryId: number, c?: pg.PoolClient): Promise<VerwerkResponse['letters']> {
    const rows = (
      await this.q<{ bericht_id: string; bericht_type: string; code: VerwerkingsCode; toelichting: string }>(
        'SELECT bericht_id, bericht_type, code, toelichting FROM results WHERE delivery_id = $1 ORDER BY seq',
        [deliveryId],
        c,
      )
    ).rows;
    return rows.map((x) => ({
      berichtId: x.bericht_id,
      berichtType: x.bericht_type,
      code: x.code,
      stadium: stadiumOf(x.code),
      toelichting: x.toelichting,
    }));
  }

  async verwerkResponseOf(d: DeliveryView): Promise<VerwerkResponse | undefined> {
    if (d.processedAt === undefined) return undefined;
    return {
      berichtLeverancierCode: d.afnemerOin,
      batchId: d.batchId,
      datumOntvangen: d.receivedAt,
      datumVerwerkt: d.processedAt,
      letters: await this.resultsOf(d.deliveryId),
    };
  }

  async listVerwerkingsberichten(q: VerwerkingsberichtQuery): Promise<VerwerkingsberichtPage> {
    const limit = Math.max(0, Math.floor(q.limit));
    return this.tx(async (c) => {
      const rows = (
        await this.q<VbRow>(
          `SELECT v.id, v.delivery_id, v.first_offered_at, d.attempt, d.batch_id, d.received_at, d.processed_at
                    FROM verwerkingsberichten v JOIN deliveries d ON d.id = v.delivery_id
                    WHERE v.afnemer_oin = $1 AND v.acknowledged_at IS NULL AND v.id > $2 AND v.created_at <= $3
                      AND (v.first_offered_at IS NULL OR $3 <= v.first_offered_at + $4)
                    ORDER BY v.id LIMIT $5`,
          [q.afnemerOin, q.after ?? 0, q.now, q.reofferMs, limit + 1],
          c,
        )
      ).rows;
      const page = rows.slice(0, limit);
      const fresh = page.filter((r) => r.first_offered_at === null).map((r) => r.id);
      // Another instance may offer the same one at the same moment: the first offering wins, and is what both report.
      const offered = new Map<number, number>();
      if (fresh.length > 0) {
        await this.q(
          'UPDATE verwerkingsberichten SET first_offered_at = $1 WHERE id = ANY($2::int[]) AND first_offered_at IS NULL',
          [q.now, fresh],
          c,
        );
        for (const r of (
          await this.q<{ id: number; first_offered_at: number }>(
            'SELECT id, first_offered_at FROM verwerkingsberichten WHERE id = ANY($1::int[])',
            [fresh],
            c,
          )
        ).rows) {
          offered.set(r.id, r.first_offered_at);
        }
      }
      const items: VerwerkingsberichtItem[] = [];
      for (const r of page) {
        items.push({
          id: r.id,
          deliveryId: r.delivery_id,
          attempt: r.attempt,
          firstOfferedAt: r.first_offered_at ?? offered.get(r.id) ?? q.now,
          response: {
            berichtLeverancierCode: q.afnemerOin,
            batchId: r.batch_id,
            datumOntvangen: r.received_at,
            datumVerwerkt: r.processed_at,
            letters: await this.resultsOf(r.delivery_id, c),
          },
        });
      }
      const last = page.at(-1);
      return { items, nextCursor: rows.length > limit && last !== undefined ? last.id : undefined };
    });
  }

  async acknowledgeVerwerkingsberichten(afnemerOin: string, ids: readonly number[], now: number): Promise<number[]> {
    const done = new Set(
      (
        await this.q<{ id: number }>(
          `UPDATE verwerkingsberichten SET acknowledged_at = $1
                   WHERE id = ANY($2::int[]) AND afnemer_oin = $3 AND acknowledged_at IS NULL AND created_at <= $1 RETURNING id`,
          [now, [...new Set(ids)].filter((i) => Number.isSafeInteger(i) && i > 0 && i < 2 ** 31), afnemerOin],
        )
      ).rows.map((r) => r.id),
    );
    // In the order asked, each once (as the SQLite store answers).
    const out: number[] = [];
    for (const id of ids) {
      if (done.delete(id)) out.push(id);
    }
    return out;
  }

  // ----- presentation -----

  async listLetters(q: LetterQuery): Promise<LetterPage> {
    const limit = Math.max(0, Math.floor(q.limit));
    const offset = Math.max(0, Math.floor(q.offset));
    const gelezen = q.gelezen === undefined ? null : q.gelezen;
    const afnemer = q.afnemerOin ?? null;
    // One statement: the total and the page come from one snapshot.
    const rows = (
      await this.q<SummaryRow & { total: string }>(
        LIST_LETTERS_SQL,
        [q.bsn, q.now, gelezen, afnemer, limit, offset],
        undefined,
        'list-letters',
      )
    ).rows;
    let total = rows[0] === undefined ? 0 : Number(rows[0].total);
    if (rows.length === 0 && offset > 0) {
      total = (
        await this.q<{ n: number }>(`SELECT count(*)::int AS n FROM letters WHERE ${INBOX_FILTER}`, [
          q.bsn,
          q.now,
          gelezen,
          afnemer,
        ])
      ).rows[0]!.n;
    }
    const items: LetterSummary[] = [];
    for (const r of rows) items.push(await this.letterSummary(r));
    return { total, items };
  }

  async getLetter(bsn: string, berichtId: string, now: number): Promise<LetterView | undefined> {
    const r = (
      await this.q<SummaryRow & { tekst: string }>(`SELECT ${SUMMARY_COLUMNS}, tekst ${LETTER_BY_ID}`, [
        bsn,
        now,
        berichtId,
      ])
    ).rows[0];
    return r === undefined ? undefined : { ...(await this.letterSummary(r)), berichtTekst: r.tekst };
  }

  async markRead(bsn: string, berichtId: string, now: number): Promise<boolean> {
    return (
      ((
        await this.q(`UPDATE letters SET read_at = coalesce(read_at, $2) WHERE rid = (${LETTER_BY_ID_SQL})`, [
          bsn,
          now,
          berichtId,
        ])
      ).rowCount ?? 0) > 0
    );
  }

  async deleteLetter(bsn: string, berichtId: string, now: number): Promise<boolean> {
    return (
      ((await this.q(`UPDATE letters SET deleted_at = $2 WHERE rid = (${LETTER_BY_ID_SQL})`, [bsn, now, berichtId]))
        .rowCount ?? 0) > 0
    );
  }

  async getBijlage(bsn: string, berichtId: string, volgorde: number, now: number): Promise<BijlageContent | undefined> {
    const r = (
      await this.q<{ omschrijving: string; content: Buffer | null }>(
        `SELECT b.omschrijving, c.content FROM bijlagen b
                  LEFT JOIN attachment_contents c ON c.sha256 = b.sha256 AND b.stored = 1
                  WHERE b.bericht_id = $3 AND b.volgorde = $4
                    AND b.afnemer_oin = (SELECT afnemer_oin ${LETTER_BY_ID})`,
        [bsn, now, berichtId, volgorde],
      )
    ).rows[0];
    if (r === undefined || r.content === null) return undefined;
    return { omschrijving: r.omschrijving, content: r.content };
  }

  private async letterSummary(r: SummaryRow): Promise<LetterSummary> {
    return letterSummaryOf(
      r,
      r.bijlagen === 0
        ? []
        : (
            await this.q<{ volgorde: number; omschrijving: string; bytes: number; sha256: string }>(
              'SELECT volgorde, omschrijving, bytes, sha256 FROM bijlagen WHERE afnemer_oin = $1 AND bericht_id = $2 ORDER BY volgorde',
              [r.afnemer_oin, r.bericht_id],
            )
          ).rows,
    );
  }

  // ----- portal and figures -----

  async portal(q: PortalQuery): Promise<PortalRow[]> {
    const rows = (
      await this.q<{ bucket: string; afnemer_oin: string; name: string; count: string }>(
        `SELECT bucket, afnemer_oin, name, count FROM counters
                   WHERE kind = 'portal' AND ($1::text IS NULL OR afnemer_oin = $1) AND ($2::text IS NULL OR bucket >= $2) AND ($3::text IS NULL OR bucket <= $3)
                   ORDER BY bucket COLLATE "C", afnemer_oin COLLATE "C", name COLLATE "C"`,
        [q.afnemerOin ?? null, q.fromDay ?? null, q.toDay ?? null],
      )
    ).rows;
    const out: { afnemerOin: string; day: string; offered: number; processed: number; rejected: Counts }[] = [];
    let cur: (typeof out)[number] | undefined;
    for (const r of rows) {
      if (cur === undefined || cur.day !== r.bucket || cur.afnemerOin !== r.afnemer_oin) {
        cur = { afnemerOin: r.afnemer_oin, day: r.bucket, offered: 0, processed: 0, rejected: {} };
        out.push(cur);
      }
      const count = Number(r.count);
      if (r.name === 'offered') cur.offered = count;
      else if (r.name === 'processed') cur.processed = count;
      else cur.rejected[r.name as VerwerkingsCode] = count;
    }
    return out;
  }

  async intakeStats(now: number): Promise<IntakeStats> {
    const [t, backlog, parked] = await Promise.all([
      this.q<TotalsRow>('SELECT * FROM totals WHERE id = 1'),
      this.q<{ n: number }>(
        `SELECT coalesce(sum(CASE WHEN park_interval <= 0 THEN letters
                       ELSE letters - least(letters, greatest(0, trunc(($1 - park_start) / park_interval)::int)) END), 0)::int AS n
                     FROM deliveries WHERE park_end > $1`,
        [now],
      ),
      this.q<{ value: string }>("SELECT value FROM state WHERE key = 'parkedUntil'"),
    ]);
    const row = t.rows[0]!;
    return {
      backlog: backlog.rows[0]!.n,
      parkedUntil: parked.rows[0] === undefined ? 0 : Number(JSON.parse(parked.rows[0].value)),
      deliveries: Number(row.deliveries),
      deliveriesPending: Number(row.deliveries_pending),
      lettersAdmitted: Number(row.letters_admitted),
      maxProcessingDelayMs: row.max_processing_delay,
      maxParkingDelayMs: row.max_parking_delay,
    };
  }

  async notificationStats(now: number): Promise<NotificationStats> {
    return this.tx(async (c) => {
      const enqueued = Number(
        (await this.q<{ n: string }>('SELECT notifications_enqueued AS n FROM totals WHERE id = 1', [], c)).rows[0]!.n,
      );
      // Locked: processing folds late notifications into the same summary.
      let sent = await this.jsonStateOn<SentSummary>(
        c,
        'notificationSent',
        { upTo: null, sent: 0, maxDelayMs: 0, carried: {} },
        true,
      );
      const between = async (from: number, to: number) =>
        (
          await this.q<{ enqueued_at: number; notify_at: number; enqueued_day: string; notify_day: string }>(
            'SELECT enqueued_at, notify_at, enqueued_day, notify_day FROM notifications WHERE notify_at > $1 AND notify_at <= $2',
            [from, to],
            c,
          )
        ).rows;
      if (sent.upTo === null || now >= sent.upTo) {
        const rows = await between(sent.upTo ?? -Number.MAX_VALUE, now);
        for (const r of rows) foldSent(sent, r.enqueued_at, r.notify_at, r.enqueued_day, r.notify_day);
        if (rows.length > 0) {
          sent.upTo = now;
          await this.setStateOn(c, 'notificationSent', JSON.stringify(sent));
        }
      } else {
        sent = { upTo: now, sent: 0, maxDelayMs: 0, carried: {} };
        for (const r of await between(-Number.MAX_VALUE, now))
          foldSent(sent, r.enqueued_at, r.notify_at, r.enqueued_day, r.notify_day);
      }
      return {
        enqueued,
        backlog: enqueued - sent.sent,
        sent: sent.sent,
        maxDelayMs: sent.maxDelayMs,
        carriedOverByDay: { ...sent.carried },
      };
    });
  }

  async notificationPeaks(): Promise<NotificationPeaks> {
    const rows = (
      await this.q<{ kind: string; m: string }>(`SELECT kind, max(count) AS m FROM counters
                   WHERE kind IN ('notif-enqueued-hour', 'notif-enqueued-day', 'notif-sent-hour', 'notif-sent-day') GROUP BY kind`)
    ).rows;
    const peak = (k: string): number => Number(rows.find((r) => r.kind === k)?.m ?? 0);
    return {
      enqueuedPerHour: peak('notif-enqueued-hour'),
      enqueuedPerDay: peak('notif-enqueued-day'),
      sentPerHour: peak('notif-sent-hour'),
      sentPerDay: peak('notif-sent-day'),
    };
  }

  // ----- the shared sim clock -----

  async lastSimTime(): Promise<number | undefined> {
    const r = (
      await this.q<{ saved: string | null; received: number | null }>(
        "SELECT (SELECT value FROM state WHERE key = 'simClock') AS saved, (SELECT max(received_at) FROM deliveries) AS received",
      )
    ).rows[0]!;
    const saved = r.saved === null ? null : (JSON.parse(r.saved) as number | null);
    const latest = Math.max(saved ?? Number.NEGATIVE_INFINITY, r.received ?? Number.NEGATIVE_INFINITY);
    return Number.isFinite(latest) ? latest : undefined;
  }

  /** Never moves the saved horizon back: several instances save theirs, the latest wins. */
  async saveSimTime(simNow: number): Promise<void> {
    await this.q(
      `INSERT INTO state (key, value) VALUES ('simClock', $1) ON CONFLICT (key)
                  DO UPDATE SET value = greatest(state.value::float8, excluded.value::float8)::bigint::text`,
      [JSON.stringify(Math.round(simNow))],
    );
  }

  async joinClock(proposal: ClockAnchor, staleAfterWallMs: number): Promise<ClockAnchor> {
    return this.tx(async (c) => {
      await this.q(
        "INSERT INTO state (key, value) VALUES ('simClockAnchor', 'null') ON CONFLICT (key) DO NOTHING",
        [],
        c,
      );
      const row = (
        await this.q<{ value: string }>("SELECT value FROM state WHERE key = 'simClockAnchor' FOR UPDATE", [], c)
      ).rows[0]!;
      const anchor = JSON.parse(row.value) as ClockAnchor | null;
      const horizonRow = (await this.q<{ value: string }>("SELECT value FROM state WHERE key = 'simClock'", [], c))
        .rows[0];
      const horizon = horizonRow === undefined ? undefined : Number(JSON.parse(horizonRow.value));
      if (anchor !== null && horizon !== undefined) {
        // The running clock's time along its own schedule (one speed when it has none).
        const running = anchor.schedule ? new SpeedSchedule(anchor.schedule) : SpeedSchedule.constant(anchor.speed);
        const runningNow = running.simAfter(anchor.sim, proposal.wall - anchor.wall);
        // Someone kept the horizon ahead of the running clock within the last staleAfterWallMs: it runs; join it.
        if (runningNow <= running.simAfter(horizon, staleAfterWallMs)) return anchor;
      }
      // Nobody runs the clock: continue from what was last answered (the horizon), never earlier.
      const sim = Math.max(proposal.sim, horizon ?? Number.NEGATIVE_INFINITY);
      const fresh: ClockAnchor = {
        sim,
        wall: proposal.wall,
        speed: proposal.speed,
        ...(proposal.schedule !== undefined ? { schedule: proposal.schedule } : {}),
      };
      await this.setStateOn(c, 'simClockAnchor', JSON.stringify(fresh));
      return fresh;
    });
  }

  async keepOnce(key: string, value: () => string): Promise<string> {
    const k = `once:${key}`;
    const have = (await this.q<{ value: string }>('SELECT value FROM state WHERE key = $1', [k])).rows[0];
    if (have !== undefined) return have.value;
    await this.q('INSERT INTO state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [k, value()]);
    return (await this.q<{ value: string }>('SELECT value FROM state WHERE key = $1', [k])).rows[0]!.value;
  }

  // ----- shared capacity windows -----

  /**
   * All or nothing over the windows of one request: the rows are locked in a fixed order (sorted
   * bucket keys), checked, and incremented only if every window has room; the offered counts (the
   * load the norm is held against) are incremented either way.
   */
  private async admitWindows(scope: string, buckets: readonly WindowCount[], n: number): Promise<WindowAdmission> {
    const order = buckets
      .map((b, i) => ({ b, i }))
      .sort((x, y) => (x.b.key < y.b.key ? -1 : x.b.key > y.b.key ? 1 : 0));
    return this.tx(async (c) => {
      const keys = order.map((o) => o.b.key);
      const used = (
        await this.q<{ bucket: string; count: string }>(
          `INSERT INTO counters (kind, bucket, afnemer_oin, name, count)
                      SELECT $1, k, '', 'used', 0 FROM unnest($2::text[]) WITH ORDINALITY AS t (k, i) ORDER BY i
                      ON CONFLICT (kind, bucket, afnemer_oin, name) DO UPDATE SET count = counters.count RETURNING bucket, count`,
          [`window:${scope}`, keys],
          c,
        )
      ).rows;
      const usedOf = new Map(used.map((r) => [r.bucket, Number(r.count)]));
      let refused: { index: number; used: number } | undefined;
      for (const o of order) {
        const u = usedOf.get(o.b.key) ?? 0;
        if (u + n > o.b.limit && (refused === undefined || o.i < refused.index)) refused = { index: o.i, used: u };
      }
      await this.q(
        `INSERT INTO counters (kind, bucket, afnemer_oin, name, count)
                    SELECT $1, k, '', 'offered', $3 FROM unnest($2::text[]) WITH ORDINALITY AS t (k, i) ORDER BY i
                    ON CONFLICT (kind, bucket, afnemer_oin, name) DO UPDATE SET count = counters.count + excluded.count`,
        [`window:${scope}`, keys, n],
        c,
      );
      if (refused !== undefined) return { admitted: false, index: refused.index, used: refused.used };
      await this.q(
        `UPDATE counters SET count = count + $3 WHERE kind = $1 AND bucket = ANY($2::text[]) AND afnemer_oin = '' AND name = 'used'`,
        [`window:${scope}`, keys, n],
        c,
      );
      return { admitted: true, used: buckets.map((b) => (usedOf.get(b.key) ?? 0) + n) };
    });
  }

  private async refundWindows(scope: string, buckets: readonly string[], n: number): Promise<void> {
    await this.q(
      `UPDATE counters SET count = greatest(0, count - $3) WHERE kind = $1 AND bucket = ANY($2::text[]) AND afnemer_oin = '' AND name = 'used'`,
      [`window:${scope}`, [...buckets], n],
    );
  }

  private async readWindows(
    scope: string,
    buckets: readonly string[],
  ): Promise<{ used: number[]; peakOffered: number[] }> {
    const rows = (
      await this.q<{ bucket: string; name: string; count: string }>(
        `SELECT bucket, name, count FROM counters WHERE kind = $1 AND afnemer_oin = ''
                    AND ((name = 'used' AND bucket = ANY($2::text[])) OR name = 'offered')`,
        [`window:${scope}`, [...buckets]],
      )
    ).rows;
    // Buckets are '<window index>:<key>': the peak of a window is the largest offered count among its buckets.
    const used = buckets.map((b) => Number(rows.find((r) => r.name === 'used' && r.bucket === b)?.count ?? 0));
    const peakOffered = buckets.map((b) => {
      const prefix = b.slice(0, b.indexOf(':') + 1);
      return rows
        .filter((r) => r.name === 'offered' && r.bucket.startsWith(prefix))
        .reduce((m, r) => Math.max(m, Number(r.count)), 0);
    });
    return { used, peakOffered };
  }

  // ----- the rest -----

  async countLetters(): Promise<number> {
    return (await this.q<{ n: number }>('SELECT count(*)::int AS n FROM letters')).rows[0]!.n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pendingDeliveries.length > 0) this.flushing = this.flushDeliveries();
    await this.flushing.catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  private async jsonStateOn<T>(c: pg.PoolClient, key: string, fallback: T, lock: boolean): Promise<T> {
    if (lock)
      await this.q(
        'INSERT INTO state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
        [key, JSON.stringify(fallback)],
        c,
      );
    const r = (
      await this.q<{ value: string }>(`SELECT value FROM state WHERE key = $1${lock ? ' FOR UPDATE' : ''}`, [key], c)
    ).rows[0];
    return r === undefined ? fallback : (JSON.parse(r.value) as T);
  }

  private async setStateOn(c: pg.PoolClient, key: string, value: string): Promise<void> {
    await this.q(
      'INSERT INTO state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
      c,
    );
  }
}

// The burger's visibility rule ($1 bsn, $2 now).
const VISIBLE =
  'bsn = $1 AND processed_at <= $2 AND deleted_at IS NULL AND (publicatie_datum IS NULL OR publicatie_datum <= $2)';
const ONE_BY_ID = 'ORDER BY processed_at DESC, rid DESC LIMIT 1';
/**
 * A burger's letter by its BerichtID ($3) under the rule: the BerichtID first, through letters_pkey
 * (which leads with it; at most one letter per afnemer), then the rule. OFFSET 0 keeps the planner
 * from merging the two: on its own it chose the inbox index (an equality on bsn, a range on
 * processed_at) and filtered every letter of the inbox, as SQLite did (sqlite-store.ts, LETTER_BY_ID).
 */
const LETTER_BY_ID = `FROM (SELECT * FROM letters WHERE bericht_id = $3 OFFSET 0) l WHERE ${VISIBLE} ${ONE_BY_ID}`;
/** One visible letter's rid by id ($1 bsn, $2 now, $3 id): its plan is held by a test. */
export const LETTER_BY_ID_SQL = `SELECT rid ${LETTER_BY_ID}`;
// The rule and the inbox's filters ($3 gelezen, $4 afnemer; null: any).
const INBOX_FILTER = `${VISIBLE} AND ($3::boolean IS NULL OR (read_at IS NOT NULL) = $3) AND ($4::text IS NULL OR afnemer_oin = $4)`;
/**
 * A page of the inbox ($5 limit, $6 offset) and its total. The total is a subquery over the inbox
 * index alone (its INCLUDE columns are the filter's), not count(*) OVER () of the page's query,
 * which fetched every letter of the inbox from the table to count it.
 */
export const LIST_LETTERS_SQL = `SELECT ${SUMMARY_COLUMNS}, (SELECT count(*) FROM letters WHERE ${INBOX_FILTER}) AS total
  FROM letters WHERE ${INBOX_FILTER} ORDER BY processed_at DESC, rid DESC LIMIT $5 OFFSET $6`;

interface TotalsRow {
  deliveries: string;
  deliveries_pending: string;
  letters_admitted: string;
  max_processing_delay: number;
  max_parking_delay: number;
  notifications_enqueued: string;
}

interface SubscriptionRow {
  key: string;
  kind: string;
  info: string;
  bsns: Buffer | null;
  ready_at: number;
}

function subscriptionOf(r: SubscriptionRow): StoredSubscription {
  return {
    key: r.key,
    kind: r.kind,
    info: r.info,
    bsns: r.bsns === null ? undefined : bsnCodes(r.bsns),
    readyAt: r.ready_at,
  };
}
