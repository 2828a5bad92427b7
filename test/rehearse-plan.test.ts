/**
 * The delivery plan (the afnemer's share of the intake norms on the target's calendar, DST-safe)
 * and the CLI around it: --dry-run shows the plan and sends nothing, a remote target needs
 * --allow-remote, usage errors exit 2.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HOUR, fromLocal } from '../src/clock/index.ts';
import { MESSAGES_PER_DAY, MESSAGES_PER_HOUR } from '../src/norms/index.ts';
import { formatPlan, planDelivery, type PlanInput } from '../src/rehearse/plan.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const base = (over: Partial<PlanInput>): PlanInput => ({
  letters: 2_000_000,
  totalLetters: 2_000_000,
  batches: 2000,
  bytes: 2e9,
  share: 1,
  start: fromLocal(2027, 3, 1, 8),
  speed: 60,
  clockSource: 'status',
  targetHourLimit: undefined,
  targetDayLimit: undefined,
  usedHour: 0,
  usedDay: 0,
  ...over,
});

describe('planDelivery', () => {
  it('2 million letters at the full norm from 08:00 take 13 h 20 min, within the day', () => {
    const p = planDelivery(base({}));
    expect(p.perHour).toBe(MESSAGES_PER_HOUR.limit);
    expect(p.sendEnd).toBe(fromLocal(2027, 3, 1, 21, 20));
    expect(p).toMatchObject({ days: 1, dayLimitStops: 0 });
    expect(p.durationSimMs).toBe(13 * HOUR + 20 * 60_000);
    expect(p.durationWallMs).toBe(p.durationSimMs / 60);
  });

  it('carries over midnight: the daily limit counts per calendar day', () => {
    const p = planDelivery(base({ start: fromLocal(2027, 3, 1, 20) }));
    expect(p.sendEnd).toBe(fromLocal(2027, 3, 2, 9, 20));
    expect(p).toMatchObject({ days: 2, dayLimitStops: 0 });
  });

  it('with half the norms the daily limit closes the first day early', () => {
    const p = planDelivery(base({ share: 0.5, start: fromLocal(2027, 3, 1, 0) }));
    expect(p.perDay).toBe(MESSAGES_PER_DAY.limit / 2);
    // 1,250,000 by 16:40, then 750,000 more from midnight at 75,000/h.
    expect(p.sendEnd).toBe(fromLocal(2027, 3, 2, 10, 0));
    expect(p).toMatchObject({ days: 2, dayLimitStops: 1 });
  });

  it('is DST-safe: on the 23-hour day the daily limit is reached at 17:40 local', () => {
    const p = planDelivery(
      base({ letters: MESSAGES_PER_DAY.limit, totalLetters: MESSAGES_PER_DAY.limit, start: fromLocal(2027, 3, 28, 0) }),
    );
    expect(p.sendEnd - fromLocal(2027, 3, 28, 0)).toBe(16 * HOUR + 40 * 60_000);
    expect(p.sendEnd).toBe(fromLocal(2027, 3, 28, 17, 40));
  });

  it('resumes within the windows already used, and plans with a lower target limit, saying so', () => {
    const used = planDelivery(base({ letters: 150_000, usedHour: 100_000, start: fromLocal(2027, 3, 1, 8, 0) }));
    // 50,000 more fit in the 08:00 hour, the other 100,000 take 40 min after 09:00.
    expect(used.sendEnd).toBe(fromLocal(2027, 3, 1, 9, 40));
    const low = planDelivery(base({ letters: 16_000, targetHourLimit: 8_000 }));
    expect(low.effectivePerHour).toBe(8_000);
    // 8,000 in the 08:00 hour, 8,000 from 09:00 at the share's pace (150,000/h): 192 s.
    expect(low.sendEnd).toBe(fromLocal(2027, 3, 1, 9, 3, 12));
    expect(low.notes.join('\n')).toMatch(/expect 429 answers, honoured with their Retry-After/);
  });

  it('shows the norms it planned with and the predicted sim and wall durations', () => {
    const text = formatPlan(planDelivery(base({})), {
      target: 'http://127.0.0.1:8080',
      afnemer: '00000001003214345000',
      format: 'xml',
      batchSize: 1000,
    }).join('\n');
    expect(text).toContain('berichtenbox.messages-per-hour 150,000/h');
    expect(text).toContain('berichtenbox.messages-per-day 2,500,000/day');
    expect(text).toContain('berichtenbox.afnemer-redelivery-window');
    expect(text).toMatch(/13 h 20 min sim, 13 min 20 s wall/);
  });
});

describe('the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bbsim-rehearse-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [join(REPO, 'bin/bbsim.js'), 'rehearse', ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('--dry-run reads the input, shows the plan and writes nothing', () => {
    const ledger = join(dir, 'plan.ledger.db');
    const r = cli(
      '--generate',
      '1000',
      '--invalid',
      '0.01',
      '--dry-run',
      '--target',
      'http://127.0.0.1:9',
      '--ledger',
      ledger,
    );
    expect(r.status, r.stderr).toBe(0);
    // The letters with their own AanmaakDatum or BerichtLeverancierID need batches of their own, and
    // the ~35 MB of the others (30 % with PDFs) fill three of at most 16 MB.
    expect(r.stdout).toContain('Plan: 1,000 letters in 5 batches');
    expect(r.stdout).toMatch(/predicted: .* sim, .* wall/);
    expect(r.stdout).toContain('planned on the wall clock');
    expect(existsSync(ledger)).toBe(false);
  }, 60_000);

  it('refuses a remote target without --allow-remote, and usage errors, with exit 2', () => {
    const remote = cli('--generate', '10', '--target', 'https://acc.example.nl/berichtenbox');
    expect(remote.status).toBe(2);
    expect(remote.stderr).toContain('pass --allow-remote');
    for (const args of [
      ['--generate', '10', '--share', '0'],
      ['x.ndjson', '--generate', '5'],
      [],
      ['--generate', '10', '--format', 'csv'],
    ]) {
      const r = cli(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/bbsim|error/);
    }
  }, 60_000);

  it('--help shows examples and the exit codes', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('Exit codes: 0 reconciled');
  }, 60_000);
});
