import type { DeliveryOptions, DeliveryState } from './delivery-state.ts';
import { formatDuration } from './plan.ts';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
/** Wall seconds of sending before a pace below the plan's counts as the target's (not a slow start). */
const SLOWER_AFTER_S = 10;

/** The progress line and event, once a second: how far, at what pace, and the ETA (by the plan, or this run's pace when the target is slower). */
export class DeliveryProgress {
  readonly #startedAt: number;
  /** When the first letter of this run was accepted: the average pace counts from there. */
  #firstAcceptedAt: number | undefined;

  constructor(
    private readonly o: DeliveryOptions,
    private readonly st: DeliveryState,
  ) {
    this.#startedAt = o.wallNow();
  }

  async loop(): Promise<void> {
    while (!this.st.stopping) {
      await Promise.race([this.o.sleep(1000), this.st.stopped]);
      this.tick();
    }
  }

  /** Reports where the delivery stands and writes the counters. */
  tick(): void {
    const { o, st } = this;
    const { stats, total } = st;
    const now = o.wallNow();
    const openNow = st.batches.reduce((a, b) => a + Math.max(0, b.open), 0);
    const final = total - openNow;
    let withTarget = 0;
    let parked = 0;
    const simNow = o.clock.now();
    for (const w of st.outstanding.values()) {
      withTarget += w.n;
      if (w.parkedAt !== undefined && w.parkedAt <= simNow) parked += w.n;
    }
    // Letters accepted and awaiting their verwerkingsbericht need no sending; the rest do.
    const toSend = Math.max(0, openNow - withTarget);
    const sent = stats.admittedLetters;
    if (this.#firstAcceptedAt === undefined && sent > 0) this.#firstAcceptedAt = now;
    // This run's average pace (steady, unlike the recent rate, which swings with every wait).
    const sendingS = this.#firstAcceptedAt === undefined ? 0 : (now - this.#firstAcceptedAt) / 1000;
    const rate = sendingS > 0 ? sent / sendingS : 0;
    const ahead = o.planAhead?.(toSend);
    // The plan's pace; once the target has shown for a while that it cannot keep it, the run's average.
    const behind =
      ahead !== undefined && sendingS >= SLOWER_AFTER_S && rate > 0 && rate < 0.8 * ahead.lettersPerWallSecond;
    const etaMs = behind ? (toSend / rate) * 1000 : (ahead?.wallMs ?? Number.NaN);
    const elapsed = now - this.#startedAt;
    const { processed, rejected } = st;
    const pct = total ? ((final / total) * 100).toFixed(1) : '100';
    const pace = ahead
      ? ` · sending ${fmt(rate)} letters/s (the plan allows ${fmt(ahead.lettersPerWallSecond)})`
      : ` · sending ${fmt(rate)} letters/s`;
    const etaText = !Number.isFinite(etaMs)
      ? 'ETA —'
      : `ETA ${formatDuration(etaMs)} ${behind ? "at this run's pace (the target is slower than the plan)" : 'by the plan'}`;
    const trouble = [
      stats.redeliveries > 0 ? `${fmt(stats.redeliveries)} redelivered` : '',
      stats.http429 + stats.http503 > 0 ? `${fmt(stats.http429 + stats.http503)}× asked to wait (429/503)` : '',
      stats.unknown > 0 ? `${fmt(stats.unknown)}× no answer (offered again)` : '',
    ]
      .filter(Boolean)
      .join(', ');
    o.reporter.progress(
      {
        elapsedMs: Math.round(elapsed),
        letters: total,
        final,
        open: openNow,
        toSend,
        withTarget,
        admitted: st.admittedBefore + stats.admittedLetters,
        awaiting: withTarget,
        parked,
        processed,
        rejected,
        lettersPerSecond: Math.round(rate * 10) / 10,
        etaMs: Number.isFinite(etaMs) ? Math.round(etaMs) : null,
        etaBasis: behind ? 'run-average' : 'plan',
        planLettersPerSecond: ahead ? Math.round(ahead.lettersPerWallSecond * 10) / 10 : null,
        sends: stats.sends,
        redeliveries: stats.redeliveries,
        http429: stats.http429,
        http503: stats.http503,
        unknown: stats.unknown,
        verwerkingsberichten: stats.verwerkingsberichten,
        targetNow: new Date(simNow).toISOString(),
      },
      `[${formatDuration(elapsed)}] ${pct} % done: ${fmt(processed)} in the Berichtenbox, ${fmt(rejected)} rejected, of ${fmt(total)} · ${fmt(withTarget)} with the target, awaiting its verwerkingsbericht · ${fmt(toSend)} still to send${pace} · ${toSend === 0 && withTarget > 0 ? 'all sent, awaiting the last verwerkingsberichten' : etaText}${trouble ? ` · ${trouble}` : ''}`,
    );
    st.flushCounters();
  }
}
