import type { NativeEngine } from './engine.ts';
import type { PhaseEvent, SecondEvent } from './engine-events.ts';

const fmtMs = (ms: number): string => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);

/**
 * The live progress line: once a wall second (or every `everyS` seconds), what the plan asks,
 * what was sent and answered, what is in flight or dropped, and the worst p99 of that second.
 * Phase changes get a line of their own. Returns a function that unsubscribes.
 */
export function progressPrinter(engine: NativeEngine, log: (line: string) => void, everyS = 1): () => void {
  let lastRequests = 0;
  let lastAt = 0;
  const onSecond = ({ t, points, progress: p }: SecondEvent): void => {
    if ((t + 1) % everyS !== 0) return;
    const rps = lastAt === p.elapsedMs ? 0 : ((p.requests - lastRequests) * 1000) / Math.max(1, p.elapsedMs - lastAt);
    lastRequests = p.requests;
    lastAt = p.elapsedMs;
    const worstP99 = Math.max(0, ...points.filter((x) => x.requests > 0).map((x) => x.p99));
    const failedPct = p.requests > 0 ? (p.failed / p.requests) * 100 : 0;
    log(
      `native ${String(Math.round(p.elapsedMs / 1000)).padStart(4)}s/${Math.round(p.durationMs / 1000)}s  ${p.phase.padEnd(8)}  target ${p.targetRate.toFixed(1)} it/s  ` +
        `reqs ${p.requests} (${rps.toFixed(0)}/s)  iterations ${p.iterations}  in flight ${p.inFlight}${p.queued ? ` (+${p.queued} waiting)` : ''}  ` +
        `dropped ${p.dropped}  failed ${failedPct.toFixed(1)} %  p99 ${fmtMs(worstP99)}`,
    );
  };
  const onPhase = ({ phase, previous }: PhaseEvent): void => {
    if (previous !== undefined && phase !== 'done') log(`native: ${previous} → ${phase}`);
  };
  engine.on('second', onSecond);
  engine.on('phase', onPhase);
  return () => {
    engine.off('second', onSecond);
    engine.off('phase', onPhase);
  };
}
