import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { ConnectionPool, NativeEngine, plannedInFlight, type HttpClient, type LoadPlan } from '../src/engine/index.ts';
import { maxVUsOf, preAllocatedVUs, vuPools } from '../src/k6gen/index.ts';
import { peakDay } from '../scenarios/peak-day.ts';

/**
 * What the whole peak-day's evening needs of the native engine and k6 (issue 23): enough iterations
 * in flight for DigiD's service time at its wall rate, connections opened without overflowing the
 * target's accept queue, and no per-sleep abort listener.
 */

let server: Server;
let base: string;
let sockets = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.end('ok'), 20));
  });
  server.on('connection', () => sockets++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', 1024, r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function get(pool: ConnectionPool): Promise<number> {
  return new Promise((resolve, reject) => {
    let status = 0;
    pool.dispatch(
      { method: 'GET', path: '/', origin: base },
      {
        onResponseStart: (_c, s) => {
          status = s;
        },
        onResponseEnd: () => resolve(status),
        onResponseError: (_c, err) => reject(err),
      },
    );
  });
}

describe('the native engine and k6 at the peak-day evening', () => {
  it('sizes the in-flight bound and the k6 pools from the peak wall rate × expected latency', () => {
    const day = peakDay();
    // 19:45–21:15 at 5,000 wall iterations/s: DigiD's 381 ms mean service time alone keeps about 1,700 busy.
    expect(plannedInFlight(day)).toBeGreaterThanOrEqual(4000);
    const pools = vuPools(day);
    const pre = Object.values(pools).reduce((a, p) => a + p.preAllocatedVUs, 0);
    const most = Object.values(pools).reduce((a, p) => a + p.maxVUs, 0);
    // Enough for Little's law at the peak, and a sane k6 memory (9,500 pre-allocated and 38,000 at most before).
    expect(pools['digid-authenticate']!.preAllocatedVUs).toBeGreaterThan(1800);
    expect(pre).toBeLessThan(5000);
    expect(most).toBeLessThan(12_000);
    // A small pool keeps twice Little's figure, a large one 25 % and three standard deviations over it.
    expect(preAllocatedVUs(15)).toBe(30);
    expect(preAllocatedVUs(2000)).toBe(Math.ceil(2500 + 3 * Math.sqrt(2000) + 75));
    expect(maxVUsOf(30)).toBe(120);
    expect(maxVUsOf(3000)).toBe(6400);
  });

  it('opens at most maxConnecting connections at once and reuses free ones', async () => {
    let connecting = 0;
    let most = 0;
    // A connector that takes 20 ms per connection, counting how many are being opened at once.
    const connect = (opts: { hostname: string; port: string }, cb: (err: Error | null, s: unknown) => void): void => {
      connecting++;
      most = Math.max(most, connecting);
      setTimeout(() => {
        const s = netConnect({ host: opts.hostname, port: Number(opts.port) }, () => {
          connecting--;
          cb(null, s);
        });
        s.once('error', (err) => {
          connecting--;
          cb(err, null);
        });
      }, 20);
    };
    const pool = new ConnectionPool(base, {
      connections: 100,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      maxConnecting: 8,
      connect: connect as unknown as Record<string, unknown>,
    });
    sockets = 0;
    const statuses = await Promise.all(Array.from({ length: 300 }, () => get(pool)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(most).toBeLessThanOrEqual(8);
    expect(pool.size).toBeLessThanOrEqual(100);
    expect(sockets).toBe(pool.size);
    // A second burst reuses the open connections.
    await Promise.all(Array.from({ length: 100 }, () => get(pool)));
    expect(sockets).toBe(pool.size);
    await pool.close();
  });

  it('thinking iterations add no abort listener each (no MaxListenersExceeded warning)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.name);
    };
    process.on('warning', onWarning);
    const client: HttpClient = {
      request: async () => ({ status: 200, headers: {}, body: '', serviceMs: 0 }),
      close: async () => undefined,
    };
    const plan: LoadPlan = {
      flows: [
        {
          name: 'think',
          services: ['x'],
          rate: { startRate: 200, stages: [{ target: 200, durationMs: 500 }] },
          async iterate(ctx) {
            await ctx.sleep(300);
            await ctx.request({ service: 'x', flow: 'think' }, { method: 'GET', path: '/' });
          },
        },
      ],
    };
    const r = await new NativeEngine({ client, plan }).run();
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(r.iterations).toBe(100);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });
});
