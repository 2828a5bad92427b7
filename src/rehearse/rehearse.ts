/**
 * `bbsim rehearse`: the afnemer's bulk delivery, from input to reconciliation.
 *
 *  1. Check the target (loopback unless allowed) and read its clock (GET /status).
 *  2. Read the input into the ledger, checking on the target's clock everything the service would
 *     refuse whole (or, resuming, check the ledger belongs to this input, and take in new files).
 *  3. Plan within the afnemer's share of the norms; show it; `--dry-run` stops here.
 *  4. Read the leveranciersportaal once before the first send (the baseline of the cross-check).
 *  5. Deliver (run-delivery.ts) until every letter is final.
 *  6. Reconcile, write the reject file, report. Exit 0 reconciled, 1 not (or letters refused whole,
 *     input set aside, rejects above --max-reject-share), 2 could not run.
 */
import { setMaxListeners } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { dayKey, hourKey, SECOND } from '../clock/index.ts';
import { createClient, type ClientTls, type HttpClient } from '../engine/client.ts';
import { spreadClient } from './spread-client.ts';
import type { MockConfig } from '../mock/config.ts';
import { OIN_DIGITS } from '../norms/index.ts';
import { createPopulation } from '../population/index.ts';
import { DEFAULT_BACKOFF, backoffDelay } from './backoff.ts';
import type { GenerateSpec } from './generate-letters.ts';
import {
  appendXmlFiles,
  changedFiles,
  ingest,
  newXmlFiles,
  type IngestOptions,
  type InputSpec,
  type QuarantineRecord,
} from './ingest.ts';
import { Ledger } from './ledger.ts';
import { LetterLoader } from './letter-loader.ts';
import { isLoopbackUrl } from './loopback.ts';
import { checkTargetUrl } from '../net/index.ts';
import { formatDuration, formatPlan, planDelivery, type Plan } from './plan.ts';
import { readPortal, type PortalTotals } from './portal.ts';
import { formatReconciliation, reconcile, type Reconciliation } from './reconcile.ts';
import { writeRejectFile } from './reject-file.ts';
import { Reporter, processOutput, type Output } from './reporter.ts';
import type { DeliveryEnd, DeliveryStats } from './delivery-state.ts';
import { runDelivery } from './run-delivery.ts';
import { readStatus, TargetClock } from './target-clock.ts';

export type RehearseInput =
  | { readonly kind: 'ndjson' | 'xml'; readonly path: string }
  | {
      readonly kind: 'generate';
      readonly count: number;
      readonly seed: number;
      readonly invalidShare: number;
      readonly attachmentShare: number;
      readonly notSubscribedShare: number;
    };

export interface RehearseOptions {
  readonly input: RehearseInput;
  readonly target: string;
  /** More instances of the same service (one database): requests go round-robin over target and these. */
  readonly moreTargets?: readonly string[];
  readonly allowRemote: boolean;
  /** X-Afnemer-OIN; default: the mock config's first afnemer. */
  readonly afnemerOin: string | undefined;
  /** The target mock's config (population, afnemers), or the mock's defaults. */
  readonly mockConfig: MockConfig;
  readonly share: number;
  readonly batchSize: number;
  readonly format: 'xml' | 'json';
  readonly concurrency: number;
  readonly ledgerPath: string;
  readonly rejectsPath: string;
  /** The reject file holds the whole letters (to fix and feed back), not only IDs, codes and source lines. */
  readonly rejectsFull: boolean;
  /** Set aside unreadable files and batches the service would refuse whole; send the rest (exit 1). */
  readonly quarantine: boolean;
  /** Above this share of letters rejected or refused, exit 1 (0..1; 1: never). */
  readonly maxRejectShare: number;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly requestTimeoutMs: number;
  readonly stallTimeoutMs: number;
  readonly pollIntervalMs: number;
  /** Mutual TLS (--cert/--key/--ca): the afnemer's client certificate, its key and the CA of the target's certificate. */
  readonly tls?: ClientTls;
}

export interface RehearseDeps {
  readonly client?: HttpClient;
  readonly sleep?: (wallMs: number) => Promise<void>;
  readonly random?: () => number;
  readonly wallNow?: () => number;
  readonly output?: Output;
  readonly signal?: AbortSignal;
}

export interface RehearseResult {
  readonly exitCode: 0 | 1 | 2;
  readonly message?: string;
  readonly plan?: Plan;
  readonly reconciliation?: Reconciliation;
  readonly end?: DeliveryEnd;
  readonly stats?: DeliveryStats;
}

/** What identifies a rehearsal: a ledger only resumes the same one. */
interface LedgerSpec {
  readonly input:
    | { kind: 'ndjson' | 'xml'; path: string }
    | {
        kind: 'generate';
        count: number;
        seed: number;
        invalidShare: number;
        attachmentShare: number;
        notSubscribedShare: number;
      };
  readonly afnemer: string;
  readonly batchSize: number;
  readonly target: string;
  readonly population: Readonly<Record<string, unknown>>;
}

/** Verwerkingsberichten per page: each can hold 1000 letters. */
const VB_PAGE = 20;
/** AanmaakDatum is stamped a minute (sim) before the target's now: our estimate of its clock is not exact. */
const AANMAAK_MARGIN_SIM_MS = 60 * SECOND;
const PORTAL_TRIES = 5;

/** A timer that ends early (and is cleared) when the run is over, so no wait outlives it. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function runRehearsal(opts: RehearseOptions, deps: RehearseDeps = {}): Promise<RehearseResult> {
  const wallNow = deps.wallNow ?? (() => performance.now());
  const timers = new AbortController();
  // Every sender, the poller and the pacer may wait at once; each wait removes its listener when done.
  setMaxListeners(0, timers.signal);
  const sleep = deps.sleep ?? ((ms: number) => abortableSleep(ms, timers.signal));
  const random = deps.random ?? Math.random;
  const reporter = new Reporter(deps.output ?? processOutput, opts.json, wallNow);
  const t0 = wallNow();
  const fail = (message: string, exitCode: 1 | 2 = 2, extra: Partial<RehearseResult> = {}): RehearseResult => {
    reporter.event('error', { message, exitCode }, `bbsim rehearse: ${message}`);
    return { exitCode, message, ...extra };
  };

  const urls: URL[] = [];
  for (const t of [opts.target, ...(opts.moreTargets ?? [])]) {
    const checked = checkTargetUrl(t, { field: '--target', allowRemote: true });
    if (!checked.ok) return fail(checked.message);
    if (!isLoopbackUrl(checked.url) && !opts.allowRemote) {
      return fail(
        `--target ${checked.url.origin} is not on this machine. Rehearse sends real load; to deliver to a remote (acceptance) environment you are allowed to load, pass --allow-remote`,
      );
    }
    urls.push(checked.url);
  }
  const url = urls[0]!;
  const config = opts.mockConfig;
  const afnemer =
    opts.afnemerOin !== undefined ? config.afnemers.find((a) => a.oin === opts.afnemerOin) : config.afnemers[0];
  const oin = opts.afnemerOin ?? afnemer?.oin;
  if (oin === undefined || !new RegExp(`^\\d{${OIN_DIGITS.max}}$`).test(oin))
    return fail(`--afnemer must be a ${OIN_DIGITS.max}-digit OIN, got '${oin ?? ''}'`);
  if (opts.input.kind === 'generate' && !afnemer) {
    return fail(
      `--afnemer ${oin} is not an afnemer of the mock config, so its letter types are unknown; pass --mock-config with the target's config`,
    );
  }
  const population = createPopulation({ seed: config.seed, ...config.population });
  const ingestOptions = (now: number, onProgress: IngestOptions['onProgress']): IngestOptions => ({
    batchSize: opts.batchSize,
    population,
    now,
    futureSkewMs: config.intake.futureSkewMs,
    quarantine: opts.quarantine,
    onProgress,
  });
  // Reading (or generating) a million letters takes a while: say how far it is, once a second.
  let readAt = Number.NEGATIVE_INFINITY;
  const readingProgress = (letters: number, share: number | undefined): void => {
    if (wallNow() - readAt < 1000) return;
    readAt = wallNow();
    const pct = share === undefined ? '' : ` (${(Math.min(1, share) * 100).toFixed(0)} % of the input)`;
    reporter.progress(
      { letters, share: share ?? null },
      `reading the input: ${plural(letters, 'letter')} so far${pct}; nothing is sent before it is all read and checked`,
      'reading',
    );
  };
  const reportQuarantine = (total: number, lines: readonly string[]): void => {
    reporter.event(
      'quarantine',
      { total, problems: lines },
      `bbsim rehearse: set aside ${plural(total, 'input problem')} (not sent; the run will exit 1), sending the rest:\n  ${lines.join('\n  ')}`,
    );
  };

  const client =
    deps.client ??
    spreadClient(
      urls.map((u) =>
        createClient({
          base: u.href,
          connections: opts.concurrency + 3,
          timeoutMs: opts.requestTimeoutMs,
          ...(opts.tls !== undefined ? { tls: opts.tls } : {}),
        }),
      ),
    );
  const existed = existsSync(opts.ledgerPath);
  let ledger: Ledger | undefined;
  let loader: LetterLoader | undefined;
  try {
    try {
      ledger = new Ledger(opts.dryRun && !existed ? ':memory:' : opts.ledgerPath);
    } catch (err) {
      return fail(`cannot open the ledger ${opts.ledgerPath}: ${(err as Error).message}`);
    }
    if (opts.dryRun && existed && !ledger.ingested) {
      ledger.close();
      ledger = new Ledger(':memory:');
    }

    // The target's clock: dates, pacing and the plan run on it.
    const clock = new TargetClock(wallNow);
    const first = await readStatus(client, Math.min(opts.requestTimeoutMs, 5_000), wallNow);
    if (first) clock.update(first);
    else
      reporter.event(
        'clock',
        { source: 'local' },
        `no GET /status at ${url.origin}: planning on the wall clock (speed 1)`,
      );

    const otherOin = config.afnemers.find((a) => a.oin !== oin)?.oin ?? '0'.repeat(OIN_DIGITS.max - 1) + '1';
    const spec: LedgerSpec = {
      input:
        opts.input.kind === 'generate' ? { ...opts.input } : { kind: opts.input.kind, path: resolve(opts.input.path) },
      afnemer: oin,
      batchSize: opts.batchSize,
      target: url.origin + url.pathname.replace(/\/$/, ''),
      population: { seed: config.seed, ...config.population, berichtTypes: afnemer?.berichtTypes ?? [], otherOin },
    };
    let generateAt: number | undefined;
    if (ledger.ingested) {
      const was = ledger.getMeta<LedgerSpec>('spec');
      const differs = was === undefined ? ['(no spec)'] : diffSpec(was, spec);
      if (was !== undefined && was.target !== spec.target) {
        reporter.event(
          'warning',
          { ledgerTarget: was.target, target: spec.target },
          `the ledger was made against ${was.target}; continuing against ${spec.target} (it must be the same service, with the same store)`,
        );
      }
      if (differs.length > 0) {
        return fail(
          `the ledger ${opts.ledgerPath} belongs to another rehearsal (${differs.join('; ')}); run with the same options, or pass another --ledger`,
        );
      }
      const changed = changedFiles(ledger.files());
      if (changed.length > 0) {
        return fail(
          `the input changed since the ledger read it, so it cannot resume (letters already sent may differ from the file now):\n  ${changed.join('\n  ')}\nrestore the input, or start a new rehearsal with another --ledger`,
        );
      }
      generateAt = ledger.getMeta<number>('generateAt');
      // Files added to the folder since: new work, read and checked like the first ones, never skipped.
      const folder = opts.input.kind === 'xml' ? opts.input.path : undefined;
      const added = folder !== undefined ? newXmlFiles(folder, ledger.files()) : [];
      if (added.length > 0) {
        const r = appendXmlFiles(ledger, added, ingestOptions(clock.now(), readingProgress));
        reporter.clearLine();
        if (r.errors.any && !opts.quarantine) {
          return fail(
            `${plural(added.length, 'file')} added to ${folder ?? ''} since the last run cannot be sent; nothing of them was taken in:\n  ${r.errors.lines().join('\n  ')}\nfix them, or pass --quarantine to set them aside and send the rest`,
          );
        }
        reporter.event(
          'new-files',
          { files: added, letters: r.letters, batches: r.batches, quarantined: r.quarantinedFiles },
          `${plural(added.length, 'file')} added to ${folder ?? ''} since the last run, taken in as new work: ${added.join(', ')} (${plural(r.letters, 'letter')} in ${plural(r.batches, 'batch', 'batches')})${r.quarantinedFiles.length > 0 ? `; set aside: ${r.quarantinedFiles.join(', ')}` : ''}`,
        );
        if (r.errors.any) reportQuarantine(r.errors.total, r.errors.lines());
      }
      reporter.event(
        'resume',
        { ledger: opts.ledgerPath, open: ledger.openCount() },
        `resuming from ${opts.ledgerPath}: ${ledger.openCount().toLocaleString('en-US')} letters still to deliver`,
      );
    } else {
      generateAt = Math.floor(clock.now() / SECOND) * SECOND;
      const input: InputSpec =
        opts.input.kind === 'generate'
          ? {
              kind: 'generate',
              spec: generateSpec(opts.input, oin, afnemer?.berichtTypes ?? [], otherOin, population, generateAt),
            }
          : { kind: opts.input.kind, path: opts.input.path };
      let result;
      try {
        result = ingest(ledger, input, ingestOptions(clock.now(), readingProgress));
        reporter.clearLine();
      } catch (err) {
        removeLedger(ledger, existed);
        ledger = undefined;
        return fail(`cannot read the input: ${(err as Error).message}`);
      }
      reporter.event(
        'read',
        { letters: result.letters, batches: result.batches, wallMs: Math.round(wallNow() - t0) },
        `read ${plural(result.letters, 'letter')} in ${plural(result.batches, 'batch', 'batches')} (${formatDuration(wallNow() - t0)})`,
      );
      if (result.errors.any && (!opts.quarantine || result.batches === 0)) {
        const lines = result.errors.lines();
        const hint = opts.quarantine
          ? 'nothing in it can be sent'
          : 'nothing was sent; fix it, or pass --quarantine to set these aside and send the rest';
        reporter.event(
          'input-errors',
          { total: result.errors.total, errors: result.errors.items },
          `bbsim rehearse: the input has ${plural(result.errors.total, 'problem')}; ${hint}:\n  ${lines.join('\n  ')}`,
        );
        removeLedger(ledger, existed);
        ledger = undefined;
        return { exitCode: 2, message: lines.join('\n') };
      }
      if (result.errors.any) reportQuarantine(result.errors.total, result.errors.lines());
      ledger.setMeta('spec', spec);
      ledger.setMeta('generateAt', generateAt);
    }

    const batches = ledger.batches();
    const counts = ledger.counts();
    const openLetters = counts.byState.new + counts.byState.sent + counts.byState.retry;
    const now = clock.now();
    const plan = planDelivery({
      letters: openLetters,
      totalLetters: counts.letters,
      batches: batches.length,
      bytes: batches.reduce((a, b) => a + b.bytes, 0),
      share: opts.share,
      start: now,
      speed: clock.speed,
      clockSource: clock.source,
      targetHourLimit: first?.status.hourLimit,
      targetDayLimit: first?.status.dayLimit,
      usedHour: ledger.window('hour', hourKey(now)),
      usedDay: ledger.window('day', dayKey(now)),
    });
    reporter.text(
      formatPlan(plan, { target: spec.target, afnemer: oin, format: opts.format, batchSize: opts.batchSize }),
    );
    reporter.event('plan', {
      letters: counts.letters,
      open: openLetters,
      batches: batches.length,
      perHour: plan.perHour,
      perDay: plan.perDay,
      effectivePerHour: plan.effectivePerHour,
      effectivePerDay: plan.effectivePerDay,
      speed: clock.speed,
      clockSource: clock.source,
      start: new Date(now).toISOString(),
      sendEnd: Number.isFinite(plan.sendEnd) ? new Date(plan.sendEnd).toISOString() : null,
      parkedEnd: Number.isFinite(plan.parkedEnd) ? new Date(plan.parkedEnd).toISOString() : null,
      durationSimMs: plan.durationSimMs,
      durationWallMs: plan.durationWallMs,
      days: plan.days,
      dayLimitStops: plan.dayLimitStops,
      notes: plan.notes,
    });
    if (opts.dryRun) return { exitCode: 0, plan };

    const burst = batches.reduce((a, b) => Math.max(a, b.letters), 0);
    if (burst > plan.perHour || burst > plan.perDay) {
      return fail(
        `a batch of ${burst} letters is more than --share ${opts.share} allows per hour (${Math.floor(plan.perHour)}); use a smaller --batch-size or a larger --share`,
        2,
        { plan },
      );
    }

    // The leveranciersportaal before the first send: the cross-check counts the difference.
    if (ledger.getMeta('portalBaseline') === undefined) {
      const before = await portalWithRetries(client, oin, opts.requestTimeoutMs, sleep, random);
      ledger.setMeta('portalBaseline', before.ok ? { totals: before.totals } : { unavailable: before.reason });
    }

    const files = new Map(ledger.files().map((f) => [f.fileNo, f.path]));
    const filePath = (n: number): string => files.get(n) ?? `(file ${n})`;
    loader = new LetterLoader(
      filePath,
      opts.input.kind === 'generate' && generateAt !== undefined
        ? generateSpec(opts.input, oin, afnemer?.berichtTypes ?? [], otherOin, population, generateAt)
        : undefined,
    );
    const { end, stats } = await runDelivery({
      ledger,
      loader,
      client,
      clock,
      reporter,
      oin,
      format: opts.format,
      concurrency: opts.concurrency,
      pacing: { perHour: plan.perHour, perDay: plan.perDay, burst },
      requestTimeoutMs: opts.requestTimeoutMs,
      stallTimeoutMs: opts.stallTimeoutMs,
      pollIntervalMs: opts.pollIntervalMs,
      vbPageSize: VB_PAGE,
      backoff: DEFAULT_BACKOFF,
      aanmaakMarginSimMs: AANMAAK_MARGIN_SIM_MS,
      random,
      wallNow,
      sleep,
      signal: deps.signal,
      planAhead: (toSend) => {
        const at = clock.now();
        const p = planDelivery({
          letters: toSend,
          totalLetters: counts.letters,
          batches: batches.length,
          bytes: 0,
          share: opts.share,
          start: at,
          speed: clock.speed,
          clockSource: clock.source,
          targetHourLimit: first?.status.hourLimit,
          targetDayLimit: first?.status.dayLimit,
          usedHour: ledger?.window('hour', hourKey(at)) ?? 0,
          usedDay: ledger?.window('day', dayKey(at)) ?? 0,
        });
        return { wallMs: p.durationWallMs, lettersPerWallSecond: (plan.perHour / 3600) * clock.speed };
      },
    });

    // Reconciliation, with the portal's view when the delivery finished.
    const baseline = ledger.getMeta<{ totals?: PortalTotals; unavailable?: string }>('portalBaseline');
    let portal: { before: PortalTotals; after: PortalTotals } | { skipped: string };
    if (end.kind !== 'done') portal = { skipped: 'the delivery did not finish' };
    else if (!baseline?.totals)
      portal = { skipped: `no leveranciersportaal at the target (${baseline?.unavailable ?? 'unknown'})` };
    else {
      const after = await portalWithRetries(client, oin, opts.requestTimeoutMs, sleep, random);
      portal = after.ok
        ? { before: baseline.totals, after: after.totals }
        : { skipped: `leveranciersportaal unreadable at the end (${after.reason})` };
    }
    const quarantine = ledger.getMeta<QuarantineRecord>('quarantine');
    const rec = reconcile(ledger.counts(), ledger.events(), portal, ledger.deliveryFigures(), {
      problems: quarantine?.problems ?? 0,
      files: quarantine?.files ?? [],
    });
    const rejects = writeRejectFile(opts.rejectsPath, ledger, opts.rejectsFull ? loader : undefined, filePath);
    const counters = ledger.counters();
    const wallMs = wallNow() - t0;
    const f = (n: number): string => n.toLocaleString('en-US');
    const refusedLetters = Object.values(rec.refused).reduce((a, b) => a + (b ?? 0), 0);
    const rejectedLetters = Object.values(rec.rejected).reduce((a, b) => a + (b ?? 0), 0);
    const rejectShare = rec.offered > 0 ? (rejectedLetters + refusedLetters) / rec.offered : 0;
    // Reasons the run is not a success although every letter may be accounted for.
    const failures: string[] = [];
    if (refusedLetters > 0) failures.push(`${plural(refusedLetters, 'letter')} refused with their whole batch`);
    if (rec.quarantined.problems > 0)
      failures.push(`${plural(rec.quarantined.problems, 'input problem')} set aside, not sent`);
    if (rejectShare > opts.maxRejectShare)
      failures.push(
        `${(rejectShare * 100).toFixed(2)} % of the letters rejected, above --max-reject-share ${(opts.maxRejectShare * 100).toFixed(2).replace(/\.?0+$/, '')} %`,
      );
    const summary = [
      `  this run:    ${formatDuration(wallMs)} wall, ${f(stats.sends)} requests, ${f(Math.round(stats.admittedLetters / Math.max(wallMs / 1000, 0.001)))} letters accepted/s`,
      `  reject file: ${rejects.path} (${plural(rejects.lines, 'letter')}${opts.rejectsFull ? ', whole letters: fix them and feed the file back' : '; IDs, codes and source lines; --rejects-full for the whole letters to fix and feed back'})`,
    ];
    if (end.kind !== 'done')
      summary.push(
        `  stopped:     ${end.kind === 'stalled' ? end.reason : end.kind === 'fatal' ? end.message : 'interrupted'} — run the same command again to resume`,
      );
    for (const why of failures) summary.push(`  exit 1:      ${why}`);
    reporter.text([...formatReconciliation(rec), ...summary]);
    reporter.event('reconciliation', {
      reconciled: rec.reconciled,
      balanced: rec.balanced,
      offered: rec.offered,
      processed: rec.processed,
      processedViaBestaatAl: rec.processedViaBestaatAl,
      rejected: rec.rejected,
      refused: rec.refused,
      open: rec.open,
      duplicates: rec.duplicates,
      answers: rec.answers,
      portal: rec.portal,
      delivery: rec.delivery,
      quarantined: rec.quarantined,
      rejectShare,
      failures,
      end,
      stats,
      counters,
      wallMs: Math.round(wallMs),
      rejectFile: rejects,
    });
    if (end.kind === 'fatal') return fail(end.message, 2, { plan, reconciliation: rec, end, stats });
    return {
      exitCode: rec.reconciled && end.kind === 'done' && failures.length === 0 ? 0 : 1,
      plan,
      reconciliation: rec,
      end,
      stats,
    };
  } finally {
    timers.abort();
    loader?.close();
    ledger?.close();
    if (!deps.client) await client.close();
  }
}

function generateSpec(
  i: Extract<RehearseInput, { kind: 'generate' }>,
  oin: string,
  berichtTypes: readonly string[],
  otherOin: string,
  population: GenerateSpec['population'],
  at: number,
): GenerateSpec {
  return {
    seed: i.seed,
    count: i.count,
    afnemerOin: oin,
    berichtTypes,
    otherOin,
    population,
    at,
    attachmentShare: i.attachmentShare,
    notSubscribedShare: i.notSubscribedShare,
    invalidShare: i.invalidShare,
  };
}

const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function diffSpec(was: LedgerSpec, now: LedgerSpec): string[] {
  const out: string[] = [];
  for (const k of ['input', 'afnemer', 'batchSize', 'population'] as const) {
    const a = JSON.stringify(was[k]);
    const b = JSON.stringify(now[k]);
    if (a !== b) out.push(`${k} was ${a}, now ${b}`);
  }
  return out;
}

/** A ledger that never got past its ingest holds nothing worth keeping. */
function removeLedger(ledger: Ledger, existed: boolean): void {
  const path = ledger.path;
  ledger.close();
  if (existed || path === ':memory:') return;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

async function portalWithRetries(
  client: HttpClient,
  oin: string,
  timeoutMs: number,
  sleep: (ms: number) => Promise<void>,
  random: () => number,
) {
  let last = await readPortal(client, oin, timeoutMs);
  // 404: no leveranciersportaal (not the mock); other failures may be injected faults: try again.
  for (let k = 1; !last.ok && last.status !== 404 && k < PORTAL_TRIES; k++) {
    await sleep(backoffDelay(k, undefined, random));
    last = await readPortal(client, oin, timeoutMs);
  }
  return last;
}
