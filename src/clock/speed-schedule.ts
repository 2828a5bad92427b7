/**
 * A speed schedule: the sim clock's speed as a piecewise-constant function of sim time, so that a
 * whole day can run fast through the quiet hours and slow through its peaks (issue 23). Compressing
 * 24 hours into 10 minutes at one speed (144) would offer DigiD's 10,000/min evening peak at 24,000
 * wall requests/s, over what one k6 process sustains here (about 10,000 iterations/s).
 *
 * Segment i holds from its `from` (a sim instant, epoch ms, or a sim offset: the schedule only
 * orders numbers) until the next segment's `from`; the first also holds before its `from`, the last
 * for ever after, so a constant speed is the one-segment schedule. Conversions are exact at segment
 * boundaries (the wall time of a boundary is summed once, when the schedule is made, and a boundary
 * converts back to itself) and round-trip within float rounding (≪ 1 µs) everywhere else.
 */
export interface SpeedSegment {
  /** Sim instant (or offset) from which this speed holds. */
  readonly from: number;
  /** Sim ms per wall ms, > 0. */
  readonly speed: number;
}

/** The highest speed any clock takes (the mock's config allows the same). */
export const MAX_SPEED = 1_000_000;

/** Every problem with a list of segments, each naming its field and rule (k6's `Validate() []error`). */
export function validateSpeedSegments(segments: readonly SpeedSegment[], path = 'schedule'): string[] {
  const issues: string[] = [];
  if (!Array.isArray(segments) || segments.length === 0) return [`${path}: at least one segment { from, speed }`];
  segments.forEach((s, i) => {
    if (!s || typeof s !== 'object') {
      issues.push(`${path}[${i}]: a segment { from, speed }`);
      return;
    }
    if (typeof s.speed !== 'number' || !Number.isFinite(s.speed) || s.speed <= 0 || s.speed > MAX_SPEED) {
      issues.push(`${path}[${i}].speed: a number > 0 and at most ${MAX_SPEED}, got ${JSON.stringify(s.speed)}`);
    }
    if (typeof s.from !== 'number' || !Number.isFinite(s.from)) {
      issues.push(`${path}[${i}].from: a sim instant (epoch ms) or offset, got ${JSON.stringify(s.from)}`);
    } else if (i > 0) {
      const prev = segments[i - 1]?.from;
      if (typeof prev === 'number' && !(s.from > prev))
        issues.push(
          `${path}[${i}].from: must be later than ${path}[${i - 1}].from (segments in order, no two at one instant)`,
        );
    }
  });
  return issues;
}

export class SpeedScheduleError extends RangeError {
  constructor(readonly issues: readonly string[]) {
    super(`speed schedule is not valid:\n  ${issues.join('\n  ')}`);
    this.name = 'SpeedScheduleError';
  }
}

export class SpeedSchedule {
  readonly segments: readonly SpeedSegment[];
  /** Wall ms from the first segment's `from` to each segment's `from` (summed once: exact boundaries). */
  readonly #wallAt: readonly number[];

  /** Validated once: throws SpeedScheduleError listing every problem. */
  constructor(segments: readonly SpeedSegment[]) {
    const issues = validateSpeedSegments(segments);
    if (issues.length > 0) throw new SpeedScheduleError(issues);
    // Adjacent segments at one speed are one segment: fewer boundaries, the same conversions.
    const merged: SpeedSegment[] = [];
    for (const s of segments) {
      const last = merged[merged.length - 1];
      if (last?.speed !== s.speed) merged.push(Object.freeze({ from: s.from, speed: s.speed }));
    }
    this.segments = Object.freeze(merged);
    const wallAt = [0];
    for (let i = 1; i < merged.length; i++) {
      const a = merged[i - 1]!;
      wallAt.push(wallAt[i - 1]! + (merged[i]!.from - a.from) / a.speed);
    }
    this.#wallAt = wallAt;
  }

  /** One speed for ever: what a clock without a schedule runs on. */
  static constant(speed: number, from = 0): SpeedSchedule {
    return new SpeedSchedule([{ from, speed }]);
  }

  get isConstant(): boolean {
    return this.segments.length === 1;
  }

  get maxSpeed(): number {
    return Math.max(...this.segments.map((s) => s.speed));
  }

  get minSpeed(): number {
    return Math.min(...this.segments.map((s) => s.speed));
  }

  /** Index of the segment holding at sim instant t (a boundary belongs to the segment it starts). */
  #segmentAtSim(t: number): number {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]!.from <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  #segmentAtWall(w: number): number {
    const at = this.#wallAt;
    let lo = 0;
    let hi = at.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (at[mid]! <= w) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The speed at sim instant t. */
  speedAt(t: number): number {
    return this.segments[this.#segmentAtSim(t)]!.speed;
  }

  /** The wall position of sim instant t: wall ms since the first segment's `from` (negative before it). */
  wallOf(t: number): number {
    const i = this.#segmentAtSim(t);
    const s = this.segments[i]!;
    return t === s.from ? this.#wallAt[i]! : this.#wallAt[i]! + (t - s.from) / s.speed;
  }

  /** The sim instant at wall position w (the inverse of wallOf). */
  simOf(w: number): number {
    const i = this.#segmentAtWall(w);
    // A wall position within float rounding of a boundary is that boundary: a sum such as
    // wallOf(a) + wallBetween(a, b) lands a few ulps beside wallOf(b), and must give b back exactly.
    const eps = (Math.abs(w) + 1) * 8 * Number.EPSILON;
    const next = this.#wallAt[i + 1];
    if (next !== undefined && next - w <= eps) return this.segments[i + 1]!.from;
    const s = this.segments[i]!;
    const at = this.#wallAt[i]!;
    return w - at <= eps && w >= at ? s.from : s.from + (w - at) * s.speed;
  }

  /** Wall ms the sim span [a, b] takes (negative when b < a). */
  wallBetween(a: number, b: number): number {
    if (a === b) return 0;
    const i = this.#segmentAtSim(a);
    // Within one segment the plain quotient: a constant schedule converts as one speed always did.
    if (this.#segmentAtSim(b) === i) return (b - a) / this.segments[i]!.speed;
    return this.wallOf(b) - this.wallOf(a);
  }

  /** The sim instant `wallMs` after sim instant t. */
  simAfter(t: number, wallMs: number): number {
    if (wallMs === 0) return t;
    const i = this.#segmentAtSim(t);
    const speed = this.segments[i]!.speed;
    const next = this.segments[i + 1]?.from;
    // A wall span within float rounding of the one to the next boundary reaches that boundary
    // exactly (compared in wall ms, where the rounding is; a sim-side tolerance would swallow a
    // real remainder at a fast speed).
    if (
      next !== undefined &&
      Math.abs(wallMs - (next - t) / speed) <= (Math.abs(this.wallOf(t)) + Math.abs(wallMs) + 1) * 8 * Number.EPSILON
    )
      return next;
    const plain = t + wallMs * speed;
    if (this.#segmentAtSim(plain) === i) return plain;
    return this.simOf(this.wallOf(t) + wallMs);
  }

  /** The sim instants in (a, b) where the speed changes, in order. */
  boundariesBetween(a: number, b: number): number[] {
    return this.segments
      .slice(1)
      .map((s) => s.from)
      .filter((f) => f > a && f < b);
  }

  /** The same schedule moved by `offset` sim ms (scenario offsets → the mock's sim instants). */
  shift(offset: number): SpeedSchedule {
    return new SpeedSchedule(this.segments.map((s) => ({ from: s.from + offset, speed: s.speed })));
  }

  /** Every speed × k (k6's SPEED override keeps the schedule's shape). */
  scale(k: number): SpeedSchedule {
    return new SpeedSchedule(this.segments.map((s) => ({ from: s.from, speed: s.speed * k })));
  }

  /** The small persisted/reported form: `[{ from: ISO instant, speed }]` (from as epoch ms instants). */
  toJSON(): { from: string; speed: number }[] {
    return this.segments.map((s) => ({ from: new Date(s.from).toISOString(), speed: s.speed }));
  }

  /** Reads the reported form back (GET /status `schedule`); undefined when it is not one. */
  static fromJSON(value: unknown): SpeedSchedule | undefined {
    if (!Array.isArray(value) || value.length === 0) return undefined;
    const segs: SpeedSegment[] = [];
    for (const v of value as unknown[]) {
      if (!v || typeof v !== 'object') return undefined;
      const { from, speed } = v as { from?: unknown; speed?: unknown };
      const t = typeof from === 'string' ? Date.parse(from) : typeof from === 'number' ? from : Number.NaN;
      if (typeof speed !== 'number') return undefined;
      segs.push({ from: t, speed });
    }
    return validateSpeedSegments(segs).length === 0 ? new SpeedSchedule(segs) : undefined;
  }
}
