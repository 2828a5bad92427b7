import { SpeedSchedule } from '../clock/index.ts';
import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';
import type { Scenario } from '../scenario/index.ts';

/** What the runner found out about a --target before loading it. */
export interface TargetCheck {
  /** 'refuse': the verdict would be wrong (another clock speed); 'unreachable': nothing answers. */
  readonly outcome: 'ok' | 'warn' | 'refuse' | 'unreachable';
  readonly messages: readonly string[];
  readonly speed?: number;
  readonly now?: string;
}

/** A sim start further than this from the scenario's is worth a word: windows (hours, nights, maintenance) then differ. */
const START_TOLERANCE_MS = 60 * 60_000;

/**
 * Reads the target's clock from GET /status (`now`, `speed`, as the mock reports them) and holds it
 * to the scenario: a scenario built for speed 6 against a service at speed 1 offers its sim rates
 * 6× too fast per sim window, so capacity norms would be judged on the wrong load — refused. A sim
 * start more than an hour from the scenario's is a warning (the busiest windows, the night and the
 * maintenance windows fall elsewhere); no /status at all is a warning (nothing to check).
 */
export async function checkTarget(
  base: string,
  scenario: Scenario,
  opts: {
    readonly timeoutMs?: number;
    /** PEM file of the CA of an https target's certificate. */ readonly ca?: string;
  } = {},
): Promise<TargetCheck> {
  let res: { ok: boolean; status: number; json(): Promise<unknown> };
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 5000);
  const dispatcher = opts.ca !== undefined ? new Agent({ connect: { ca: readFileSync(opts.ca) } }) : undefined;
  let body: { now?: unknown; speed?: unknown; schedule?: unknown } | undefined;
  try {
    try {
      res =
        dispatcher !== undefined
          ? await undiciFetch(`${base}/status`, { signal, dispatcher })
          : await fetch(`${base}/status`, { signal });
    } catch (err) {
      const c = (err as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
      const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message ?? (err as Error).message;
      return {
        outcome: 'unreachable',
        messages: [`--target ${base} does not answer (${cause}): start the service first`],
      };
    }
    try {
      body = res.ok ? ((await res.json()) as { now?: unknown; speed?: unknown; schedule?: unknown }) : undefined;
    } catch {
      body = undefined;
    }
  } finally {
    await dispatcher?.close();
  }
  const want = scenario.clock.speed;
  const speed = typeof body?.speed === 'number' ? body.speed : undefined;
  const now = typeof body?.now === 'string' ? body.now : undefined;
  if (speed === undefined || now === undefined) {
    return {
      outcome: 'warn',
      messages: [
        `--target ${base} has no GET /status with its sim clock (now, speed): cannot check that it runs at the scenario's speed ${want}; ${scenario.name} assumes it does`,
      ],
    };
  }
  const messages: string[] = [];
  let outcome: TargetCheck['outcome'] = 'ok';
  // A scenario on a speed schedule needs the target on the same one (its segments at the same sim instants).
  const start = scenario.clock.start;
  if (scenario.clock.schedule.length > 1 && start !== undefined) {
    const t0 = Date.parse(start);
    const wantSchedule = scenario.clock.schedule.map((x) => ({ from: t0 + x.from, speed: x.speed }));
    const theirs = SpeedSchedule.fromJSON(body?.schedule)?.segments ?? [{ from: Number.NEGATIVE_INFINITY, speed }];
    const same =
      theirs.length === wantSchedule.length &&
      theirs.every(
        (x, i) =>
          x.from === wantSchedule[i]!.from &&
          Math.abs(x.speed - wantSchedule[i]!.speed) <= wantSchedule[i]!.speed * 0.01,
      );
    if (!same) {
      outcome = 'refuse';
      messages.push(
        `--target ${base} does not run ${scenario.name}'s speed schedule (${wantSchedule.length} segments from ${start}): its load per sim window would be wrong. Start it with bbsim mock --start ${start} --speed-schedule ${wantSchedule.map((x) => `${new Date(x.from).toISOString()}=${x.speed}`).join(',')}, or pass --accept-target-clock to run anyway`,
      );
    }
    return { outcome, messages, speed, now };
  }
  if (Math.abs(speed - want) > want * 0.01) {
    outcome = 'refuse';
    messages.push(
      `--target ${base} runs its sim clock at speed ${speed}, ${scenario.name} is built for speed ${want}: its load per sim minute and hour would be ${(want / speed).toFixed(2)}× what the scenario means. Start the target at speed ${want} (bbsim mock --speed ${want}), or pass --accept-target-clock to run anyway`,
    );
  }
  if (scenario.clock.start !== undefined) {
    const off = Date.parse(now) - Date.parse(scenario.clock.start);
    if (Math.abs(off) > START_TOLERANCE_MS) {
      if (outcome === 'ok') outcome = 'warn';
      messages.push(
        `--target ${base} is at sim time ${now}, ${scenario.name} starts at ${scenario.clock.start} (${(off / 3_600_000).toFixed(1)} sim h apart): hour and day windows, the night and maintenance windows fall elsewhere (bbsim mock --start ${scenario.clock.start})`,
      );
    }
  }
  return { outcome, messages, speed, now };
}

/**
 * A --repeat against a --target loads the same service every time: its figures (busiest sim
 * window, longest delay, availability) are cumulative over the repeats, so repeat 2 would be judged
 * on repeats 1 and 2 together (messages-per-hour 900 → 1800 → 2700). Those rows are not a measure
 * of this repeat: they become n/a with the reason; the load generator's own rows (latency) stay.
 */
export function withoutCumulativeTargetRows<
  R extends {
    readonly status: string;
    readonly source: string;
    readonly origin?: string;
    readonly measured: number | undefined;
    readonly margin: number | undefined;
  },
>(rows: readonly R[], repeat: number): R[] {
  return rows.map((r) =>
    r.origin === 'server' && r.status !== 'not-measured'
      ? {
          ...r,
          status: 'not-measured',
          measured: undefined,
          margin: undefined,
          source: `not judged on repeat ${repeat}: the target kept the load of the earlier repeats (${r.source} is cumulative); restart the target per repeat, or run without --target for a fresh mock each time`,
        }
      : r,
  );
}
