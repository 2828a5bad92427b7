/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self and inclusive time per function and
 * self time per file, so a bench can say where the server's time went.
 * Also runnable: `node bin/run-ts.js bench/lib/cpuprofile.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
  readonly selfShare: number;
  readonly totalMs: number;
  readonly totalShare: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly wallMs: number;
  readonly sampledMs: number;
  readonly idleShare: number;
  readonly functions: readonly HotSpot[];
  readonly files: readonly { readonly where: string; readonly selfMs: number; readonly selfShare: number }[];
  readonly categories: Record<string, number>;
}

function shortUrl(url: string, root: string): string {
  if (url === '') return '(native)';
  let p = url;
  if (p.startsWith('file://')) {
    try {
      p = fileURLToPath(p);
    } catch {
      return url;
    }
  }
  const rel = relative(root, p);
  // The compiled mock (dist/, bin/bbsim.js) is named by its source file (the line is the compiled one).
  if (rel.startsWith('dist/') && rel.endsWith('.js')) return `src/${rel.slice('dist/'.length, -'.js'.length)}.ts`;
  return rel.startsWith('..') ? p : rel;
}

/** Coarse buckets: where is a sample's self time? */
function category(where: string, name: string): string {
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'gc';
  if (name === '(program)') return 'program (native, outside JS)';
  if (where.startsWith('src/')) return where.split('/').slice(0, 2).join('/');
  if (where.includes('better-sqlite3')) return 'better-sqlite3';
  if (
    where.includes('node_modules/fastify') ||
    where.includes('node_modules/@fastify') ||
    where.includes('node_modules/find-my-way') ||
    where.includes('node_modules/light-my-request')
  )
    return 'fastify';
  if (where.includes('fast-xml-parser')) return 'fast-xml-parser';
  if (where.includes('prom-client')) return 'prom-client';
  if (where.includes('node_modules/')) return `node_modules/${where.split('node_modules/')[1]?.split('/')[0] ?? '?'}`;
  if (where.startsWith('node:')) return 'node core';
  if (where === '(native)') return name.startsWith('(') ? name : `native: ${name}`;
  return 'other';
}

/** A window of the process-wide monotonic clock in µs (process.hrtime, which V8's profile timestamps also use on Linux). */
export interface ProfileWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/** Microseconds on the monotonic clock that profile timestamps use. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export function summariseProfile(file: string, root: string, top = 25, window?: ProfileWindow): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) byId.set(n.id, n);
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode): string =>
    `${n.callFrame.functionName || '(anonymous)'}\u0000${shortUrl(n.callFrame.url, root)}:${n.callFrame.lineNumber + 1}`;

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const fileSelf = new Map<string, number>();
  const categories: Record<string, number> = {};
  let sampled = 0;
  let idle = 0;
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i];
    at += p.timeDeltas[i] ?? 0;
    // The time until the next sample is this sample's.
    const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
    if (id === undefined) continue;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const n = byId.get(id);
    if (!n) continue;
    sampled += dt;
    const name = n.callFrame.functionName || '(anonymous)';
    const where = shortUrl(n.callFrame.url, root);
    if (name === '(idle)') idle += dt;
    const k = key(n);
    self.set(k, (self.get(k) ?? 0) + dt);
    fileSelf.set(where, (fileSelf.get(where) ?? 0) + dt);
    const cat = category(where, name);
    categories[cat] = (categories[cat] ?? 0) + dt;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (!node) break;
      const kk = key(node);
      if (seen.has(kk)) continue;
      seen.add(kk);
      total.set(kk, (total.get(kk) ?? 0) + dt);
    }
  }
  const busy = Math.max(1e-9, sampled - idle);
  const functions = [...self.entries()]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, ms]) => {
      const [name = '', where = ''] = k.split('\u0000');
      const t = total.get(k) ?? ms;
      return { name, where, selfMs: ms, selfShare: ms / busy, totalMs: t, totalShare: t / busy };
    });
  const files = [...fileSelf.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, ms]) => ({ where, selfMs: ms, selfShare: ms / busy }));
  const wallMs = window
    ? (Math.min(window.toUs, p.endTime) - Math.max(window.fromUs, p.startTime)) / 1000
    : (p.endTime - p.startTime) / 1000;
  return { file, wallMs, sampledMs: sampled, idleShare: idle / Math.max(1e-9, sampled), functions, files, categories };
}

/** Inclusive time of the src/ functions (where the mock's own code spends, callees included). */
export function srcInclusive(file: string, root: string, top = 15, window?: ProfileWindow): HotSpot[] {
  const s = summariseProfile(file, root, 100_000, window);
  return s.functions
    .filter((f) => f.where.startsWith('src/'))
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top);
}

export function formatProfile(s: ProfileSummary, top = 20): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1).padStart(5)} %`;
  const busy = s.sampledMs * (1 - s.idleShare);
  const lines = [
    `profile ${s.file}: ${(s.wallMs / 1000).toFixed(1)} s, busy ${(busy / 1000).toFixed(1)} s (${pct(1 - s.idleShare).trim()} of the samples)`,
  ];
  lines.push('  self time by category (share of busy time):');
  for (const [c, ms] of Object.entries(s.categories)
    .filter(([c]) => c !== 'idle')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 14)) {
    lines.push(`    ${pct(ms / Math.max(1e-9, busy))}  ${c}`);
  }
  lines.push('  top functions by self time (self / inclusive, share of busy time):');
  for (const f of s.functions.slice(0, top)) {
    lines.push(`    ${pct(f.selfShare)} / ${pct(f.totalShare)}  ${f.name}  ${f.where}`);
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bin/run-ts.js bench/lib/cpuprofile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? '30');
  const root = process.cwd();
  console.log(formatProfile(summariseProfile(file, root, top), top));
  console.log('  src/ functions by inclusive time:');
  for (const f of srcInclusive(file, root, top))
    console.log(`    ${(f.totalShare * 100).toFixed(1).padStart(5)} %  ${f.name}  ${f.where}`);
}
