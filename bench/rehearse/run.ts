/**
 * bench/rehearse: `bbsim rehearse --generate N` against the mock, both child processes on this
 * machine (127.0.0.1 only), one fresh mock and database per run. Per run: letters per second
 * (reading included, and the delivery alone), the mock's database bytes per letter, the peak RSS
 * (VmHWM) of rehearse and of the mock. The runs:
 *   - 100,000 letters without attachments;
 *   - 100,000 letters, 30 % with PDFs, intake.storeAttachmentContent true (content-addressed);
 *   - the same with storeAttachmentContent false (metadata only);
 *   - 400,000 letters without attachments: rehearse's and the mock's memory must stay flat
 *     against the 100,000 run (the input is streamed; 4× the letters must not need 4× the memory).
 * References beside the figures: the attachment bytes the letters carry (what storing every copy
 * would take), and the figures of issue #18 before this work (24.3 KB a letter, rehearse 674 MB and
 * the mock 551 MB peak RSS, about 1,500 letters/s with attachments, 10,000–12,000 without).
 *
 *   npm run bench:rehearse              # about 5 minutes on 2 cores
 *   npm run bench:rehearse -- --quick   # 20,000 / 80,000 letters, about a minute
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startChild } from '../lib/child.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const quick = process.argv.includes('--quick');
const BASE = quick ? 20_000 : 100_000;
const BIG = BASE * 4;
/** Every run is bounded: rehearse is killed after this many wall seconds. */
const RUN_LIMIT_S = 900;
const START = '2027-03-02T08:00:00+01:00';
/** An hour of sim time per wall second: the norms (150,000 letters/h) never bind, the mock's throughput does. */
const SPEED = 3600;

interface RunSpec {
  readonly name: string;
  readonly letters: number;
  readonly attachments: number;
  readonly storeContent: boolean;
}
interface RunResult {
  readonly spec: RunSpec;
  readonly exitCode: number | null;
  readonly wallS: number;
  readonly readS: number;
  readonly lettersPerS: number;
  readonly deliveryLettersPerS: number;
  readonly dbBytes: number;
  readonly attachmentBytesCarried: number;
  readonly attachmentsStored: number;
  readonly rehearseRssMb: number;
  readonly mockRssMb: number;
  readonly reconciled: boolean;
}

/** Peak resident set (VmHWM) of a process, MB; undefined once it has gone. */
function peakRssMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function runOne(spec: RunSpec): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-bench-rehearse-'));
  try {
    const db = join(dir, 'mock.db');
    const config = join(dir, 'mock.json');
    writeFileSync(
      config,
      JSON.stringify({
        seed: 1,
        clock: { start: START, speed: SPEED },
        intake: { storeAttachmentContent: spec.storeContent },
      }),
    );
    const mock = await startChild({
      name: 'mock',
      nodeArgs: ['bin/bbsim.js', 'mock', '--port', '0', '--db', db, '--config', config],
      cwd: REPO,
    });
    let mockPeak = 0;
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      [
        'bin/bbsim.js',
        'rehearse',
        '--generate',
        String(spec.letters),
        '--seed',
        '1',
        '--attachments',
        String(spec.attachments),
        '--target',
        mock.url,
        '--mock-config',
        config,
        '--ledger',
        join(dir, 'bench.ledger.db'),
        '--json',
        '--stall-timeout',
        '120',
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let rehearsePeak = 0;
    const poll = setInterval(() => {
      rehearsePeak = Math.max(rehearsePeak, child.pid === undefined ? 0 : (peakRssMb(child.pid) ?? 0));
      mockPeak = Math.max(mockPeak, peakRssMb(mock.pid) ?? 0);
    }, 200);
    const limit = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_S * 1000);
    let pending = '';
    let readMs = 0;
    let rec: Record<string, unknown> | undefined;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-4000);
    });
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      pending += s;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          const e = JSON.parse(line) as Record<string, unknown>;
          if (e['type'] === 'read') readMs = Number(e['wallMs']);
          if (e['type'] === 'reconciliation') rec = e;
        } catch {
          // not an event
        }
      }
    });
    const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    clearTimeout(limit);
    clearInterval(poll);
    const wallS = (performance.now() - t0) / 1000;
    mockPeak = Math.max(mockPeak, peakRssMb(mock.pid) ?? 0);
    await mock.stop();
    if (!rec)
      throw new Error(`${spec.name}: rehearse ended (code ${String(exitCode)}) without a reconciliation:\n${stderr}`);
    const size = (f: string): number => statSync(f, { throwIfNoEntry: false })?.size ?? 0;
    const dbBytes = size(db) + size(`${db}-wal`);
    const sdb = new Database(db, { readonly: true });
    const carried = sdb.prepare('SELECT coalesce(sum(bytes), 0) FROM bijlagen').pluck().get() as number;
    const stored = sdb.prepare('SELECT coalesce(sum(bytes), 0) FROM attachment_contents').pluck().get() as number;
    sdb.close();
    return {
      spec,
      exitCode,
      wallS,
      readS: readMs / 1000,
      lettersPerS: spec.letters / wallS,
      deliveryLettersPerS: spec.letters / Math.max(0.001, wallS - readMs / 1000),
      dbBytes,
      attachmentBytesCarried: carried,
      attachmentsStored: stored,
      rehearseRssMb: rehearsePeak,
      mockRssMb: mockPeak,
      reconciled: rec['reconciled'] === true,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const specs: RunSpec[] = [
  { name: `${BASE / 1000}k plain`, letters: BASE, attachments: 0, storeContent: true },
  { name: `${BASE / 1000}k 30 % PDF`, letters: BASE, attachments: 0.3, storeContent: true },
  { name: `${BASE / 1000}k 30 % PDF, no content`, letters: BASE, attachments: 0.3, storeContent: false },
  { name: `${BIG / 1000}k plain`, letters: BIG, attachments: 0, storeContent: true },
];

console.log(
  `bench/rehearse: ${specs.map((s) => s.name).join(', ')}; mock at speed ${SPEED} (the norms do not bind); the machine may be shared`,
);
const results: RunResult[] = [];
for (const spec of specs) {
  const r = await runOne(spec);
  results.push(r);
  console.log(`  ${spec.name}: done in ${r.wallS.toFixed(1)} s (exit ${String(r.exitCode)})`);
}

const pad = (s: string, n: number): string => s.padStart(n);
const mb = (b: number): string => (b / 1e6).toFixed(1);
console.log(
  '\nrun                        letters/s  delivery/s  read s  DB bytes/letter  PDF carried/letter  rehearse RSS  mock RSS  reconciled',
);
for (const r of results) {
  console.log(
    [
      r.spec.name.padEnd(26),
      pad(r.lettersPerS.toFixed(0), 9),
      pad(r.deliveryLettersPerS.toFixed(0), 11),
      pad(r.readS.toFixed(1), 7),
      pad((r.dbBytes / r.spec.letters).toFixed(0), 16),
      pad((r.attachmentBytesCarried / r.spec.letters).toFixed(0), 19),
      pad(`${r.rehearseRssMb.toFixed(0)} MB`, 13),
      pad(`${r.mockRssMb.toFixed(0)} MB`, 9),
      pad(String(r.reconciled), 11),
    ].join(' '),
  );
}
const base = results[0]!;
const big = results[3]!;
const withPdf = results[1]!;
const noContent = results[2]!;
console.log(`
memory, ${BIG.toLocaleString('en-US')} vs ${BASE.toLocaleString('en-US')} letters (4×): rehearse ${big.rehearseRssMb.toFixed(0)} vs ${base.rehearseRssMb.toFixed(0)} MB (×${(big.rehearseRssMb / base.rehearseRssMb).toFixed(2)}), mock ${big.mockRssMb.toFixed(0)} vs ${base.mockRssMb.toFixed(0)} MB (×${(big.mockRssMb / base.mockRssMb).toFixed(2)}); flat means well under ×2
attachments: ${mb(withPdf.attachmentBytesCarried)} MB of PDF in the letters, ${mb(withPdf.attachmentsStored)} MB stored (content-addressed); database ${mb(withPdf.dbBytes)} MB, ${mb(noContent.dbBytes)} MB without content
per million letters (×${(1_000_000 / BASE).toFixed(0)}): database ${mb(((base.dbBytes / BASE) * 1e6 * 1e3) / 1e3)} MB plain, ${mb((withPdf.dbBytes / BASE) * 1e6)} MB with 30 % PDFs, ${mb((noContent.dbBytes / BASE) * 1e6)} MB with PDFs and storeAttachmentContent false
reference (issue #18, before): 24.3 KB a letter with 30 % PDFs (24.3 GB per million), rehearse 674 MB and mock 551 MB peak RSS, ~1,500 letters/s with PDFs, 10,000–12,000 without`);
process.exit(results.every((r) => r.reconciled) ? 0 : 1);
