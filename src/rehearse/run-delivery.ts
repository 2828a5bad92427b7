/**
 * The delivery itself: `concurrency` senders offer batches within the pacer's limits, a poller
 * fetches, applies and acknowledges verwerkingsberichten, a clock loop follows the target's clock,
 * and a progress loop reports. Per batch at most one send is out at a time, and a batch is offered
 * again only once every attempt the target confirmed has its verwerkingsbericht applied, so a
 * redelivery carries exactly the letters still open (TechnischProbleem, or an unknown outcome).
 *
 * Everything is bounded: it ends when every letter is final and every attempt accounted for, when
 * nothing moved for `stallTimeoutMs` (time the target asked us to wait, or the pacer planned, does
 * not count), on a fatal answer, or when the signal aborts.
 */
import { DeliverySender } from './delivery-sender.ts';
import { pollVerwerkingsberichten } from './delivery-poller.ts';
import { DeliveryProgress } from './delivery-progress.ts';
import { DeliveryState, type DeliveryEnd, type DeliveryOptions, type DeliveryStats } from './delivery-state.ts';
import { checkStrayAttempts, followTargetClock } from './delivery-watch.ts';
import { Pacer } from './pacer.ts';
import { formatDuration } from './plan.ts';

/**
 * The parts: DeliveryState (what the loops share, delivery-state.ts), DeliverySender (the senders,
 * delivery-sender.ts), pollVerwerkingsberichten (delivery-poller.ts), followTargetClock and
 * checkStrayAttempts (delivery-watch.ts), DeliveryProgress (delivery-progress.ts). This function
 * starts them and supervises: done, stalled or stopped.
 */
export async function runDelivery(o: DeliveryOptions): Promise<{ end: DeliveryEnd; stats: DeliveryStats }> {
  const { ledger, wallNow } = o;
  const st = new DeliveryState(o);
  const onAbort = (): void => st.stop({ kind: 'interrupted' });
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) st.stop({ kind: 'interrupted' });

  const pacer = new Pacer({
    ...o.pacing,
    clock: o.clock,
    used: (kind, key) => ledger.window(kind, key),
    sleep: async (ms) => {
      st.plannedUntil = Math.max(st.plannedUntil, wallNow() + ms);
      await Promise.race([o.sleep(ms), st.stopped]);
    },
    stopped: () => st.stopping,
  });
  const sender = new DeliverySender(o, st, pacer);
  const progress = new DeliveryProgress(o, st);

  const loops = [
    ...Array.from({ length: o.concurrency }, () => sender.loop()),
    pollVerwerkingsberichten(o, st),
    ...(o.clock.source === 'status' ? [followTargetClock(o, st)] : []),
    progress.loop(),
  ];
  let strayChecked = false;
  try {
    while (!st.stopping) {
      await st.idle(250);
      if (st.stopping) break;
      if (st.allDone()) {
        if (!strayChecked) {
          strayChecked = true;
          await checkStrayAttempts(o, st);
          continue;
        }
        st.stop({ kind: 'done' });
        break;
      }
      if (wallNow() > st.stallDeadline()) {
        const waitingFor = st.batches.filter((b) => !st.isDone(b)).length;
        st.stop({
          kind: 'stalled',
          reason: `nothing moved for ${formatDuration(o.stallTimeoutMs)}; ${waitingFor} batches not done (letters open or verwerkingsberichten missing)`,
        });
      }
    }
  } finally {
    st.halt();
    await Promise.allSettled(loops);
    o.signal?.removeEventListener('abort', onAbort);
    progress.tick();
    o.reporter.clearLine();
    st.flushCounters();
  }
  return { end: st.end ?? { kind: 'done' }, stats: st.stats };
}
