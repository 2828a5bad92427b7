// Preloaded into a server child (`node --import ./bench/lib/loop-probe.js …`) when
// BBSIM_BENCH_PROBE_FILE is set: measures the event loop's delay (how late a 2 ms timer fires, so a
// stall of the loop shows as its length), its utilisation and GC pauses. On SIGUSR2 it writes the
// figures since the previous SIGUSR2 to that file as JSON and starts over; it changes nothing else.
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';

const file = process.env.BBSIM_BENCH_PROBE_FILE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 2 });
  delay.enable();
  let gc = { count: 0, totalMs: 0, maxMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  let elu = performance.eventLoopUtilization();
  let since = performance.now();
  let seq = 0;
  process.on('SIGUSR2', () => {
    const now = performance.now();
    const ms = (ns) => ns / 1e6;
    const snapshot = {
      seq: ++seq,
      wallMs: now - since,
      utilization: performance.eventLoopUtilization(elu).utilization,
      delay: {
        count: delay.count,
        meanMs: ms(delay.mean),
        p50Ms: ms(delay.percentile(50)),
        p99Ms: ms(delay.percentile(99)),
        p999Ms: ms(delay.percentile(99.9)),
        maxMs: ms(delay.max),
      },
      gc,
    };
    writeFileSync(file, JSON.stringify(snapshot));
    delay.reset();
    gc = { count: 0, totalMs: 0, maxMs: 0 };
    elu = performance.eventLoopUtilization();
    since = now;
  });
}
