import { Pool } from 'undici';
import { startChild } from '../lib/child.ts';
import { openLoop } from '../lib/load.ts';
const hello = await startChild({ name: 'hello', cwd: '/work/main', nodeArgs: ['bin/run-ts.js', 'bench/mock-intake/hello-server.ts'] });
const pool = new Pool(hello.url, { connections: 8, pipelining: 1 });
for (let k = 0; k < 3; k++) {
  const r = await openLoop({ pool, rate: 1000, durationMs: 5000, make: () => ({ path: '/', method: 'GET' }) });
  console.log(JSON.stringify({ lat: r.latency, svc: r.service, lag: r.sendLag }, (k, v) => typeof v === 'number' ? Math.round(v * 100) / 100 : v));
}
await pool.close(); await hello.stop();
