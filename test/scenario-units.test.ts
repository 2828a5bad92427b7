import { describe, expect, it } from 'vitest';
import {
  defineScenario,
  hours,
  minutes,
  parseDuration,
  scenarioWarnings,
  seconds,
  type ScenarioInput,
} from '../src/scenario/index.ts';
import { perMinute, perSecond } from '../src/norms/index.ts';
import { K6ProgressWatch } from '../src/run/runner.ts';
import { checkTargetUrl, isLoopbackHost } from '../src/net/index.ts';

const base: ScenarioInput = {
  name: 'logins',
  description: 'DigiD logins',
  clock: { speed: 6 },
  flows: [{ flow: 'digid-authenticate' }],
  load: { kind: 'constant', rate: perMinute(1200), duration: minutes(3) },
};

describe('durations carry their unit (issue 19: duration 180 was read as 180 ms)', () => {
  it('minutes(3), seconds(45), hours(1) and unit texts; a bare number is refused with the fix', () => {
    expect(parseDuration(minutes(3))).toBe(180_000);
    expect(parseDuration(minutes(1.5))).toBe(90_000);
    expect(minutes(11.75).text).toBe('11m45s');
    expect(JSON.stringify({ d: hours(1) })).toBe('{"d":"1h"}'); // the scenario hash is the same as for '1h'
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(() => seconds(0)).toThrow('seconds(n) must be a finite number > 0');
    expect(() =>
      defineScenario({ ...base, load: { kind: 'constant', rate: perMinute(1200), duration: 180 as never } }),
    ).toThrow('load.duration: 180 has no unit; write seconds(180), minutes(180) or milliseconds(180)');
  });
});

describe('load warnings: a valid scenario that is probably a slip', () => {
  it('perSecond for perMinute is far past every rate norm the flow touches', () => {
    expect(scenarioWarnings(defineScenario(base))).toEqual([]);
    const slip = scenarioWarnings(
      defineScenario({ ...base, load: { kind: 'constant', rate: perSecond(1200), duration: minutes(3) } }),
    );
    expect(slip).toHaveLength(1);
    expect(slip[0]).toContain('digid-authenticate is offered 72,000/min (sim), 7.20× digid.authentications-per-minute');
  });

  it('a wall time too short to judge any norm, and a percentile on too few requests, are named', () => {
    const short = scenarioWarnings(
      defineScenario({ ...base, load: { kind: 'constant', rate: perMinute(1200), duration: '180ms' } }),
    );
    expect(short.join('\n')).toContain('the run takes 30.0 ms of wall time');
    const few = scenarioWarnings(
      defineScenario({
        ...base,
        flows: [{ flow: 'burger-reads' }],
        load: { kind: 'constant', rate: perMinute(60), duration: minutes(1) },
      }),
    );
    expect(few.join('\n')).toMatch(
      /presentatie\.p99\.9 is judged on at most about [\d.]+ requests: the p99\.9 of fewer than 1,000/,
    );
  });

  it('an unknown flow or norm suggests the nearest', () => {
    expect(() => defineScenario({ ...base, flows: [{ flow: 'burger-read' as never }] })).toThrow(
      '(did you mean burger-reads?)',
    );
    expect(() => defineScenario({ ...base, norms: ['digid.authentication-per-minute'] })).toThrow(
      'did you mean digid.authentications-per-minute?',
    );
  });
});

describe("k6's ✗ beside a flow of a passing run", () => {
  it('is explained when no iteration was interrupted (lines from a real smoke run)', () => {
    const w = new K6ProgressWatch();
    for (const l of [
      'deliver-batch              ✗ [  90% ] 0/2 VUs      27.0s/30s  0.26 iters/s',
      'fetch-verwerkingsberichten ✗ [ 100% ] 0/2 VUs      29.9s/30s  6.48 iters/s',
      'machtigen-check            ✓ [ 100% ] 00/07 VUs    30s        6.48 iters/s',
      'running (0m31.0s), 000/126 VUs, 1416 complete and 0 interrupted iterations',
    ])
      w.see(l);
    expect(w.note()).toBe(
      'note: k6 marks deliver-batch, fetch-verwerkingsberichten with ✗ because their last iteration started before the end of the run (a flow at a low rate), not because anything failed: 0 interrupted iterations',
    );
    const cut = new K6ProgressWatch();
    cut.see('deliver-batch ✗ [  90% ] 0/2 VUs 27.0s/30s');
    cut.see('running (0m31.0s), 000/126 VUs, 1416 complete and 3 interrupted iterations');
    expect(cut.note()).toContain('3 iterations were interrupted');
    expect(new K6ProgressWatch().note()).toBeUndefined();
  });
});

describe('src/net: one URL and loopback rule', () => {
  it('127.0.0.0/8, ::1 and localhost; http and https only; a forgotten scheme named', () => {
    for (const h of ['127.0.0.1', '127.0.0.2', '127.255.0.9', '[::1]', '::1', 'localhost', 'LOCALHOST'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['10.0.0.1', '128.0.0.1', 'example.org', '127.0.0.1.example.org', '[::2]'])
      expect(isLoopbackHost(h), h).toBe(false);
    expect(checkTargetUrl('http://127.0.0.2:8080/', { field: '--target' })).toMatchObject({
      ok: true,
      base: 'http://127.0.0.2:8080',
    });
    expect(checkTargetUrl('127.0.0.1:19092', { field: '--target' })).toMatchObject({
      ok: false,
      code: 'BBSIM_TARGET_NOT_A_URL',
    });
    expect(checkTargetUrl('ftp://127.0.0.1', { field: '--target' })).toMatchObject({
      ok: false,
      code: 'BBSIM_TARGET_SCHEME',
    });
    expect(checkTargetUrl('https://acc.example.nl/bb', { field: '--target', allowRemote: true })).toMatchObject({
      ok: true,
      base: 'https://acc.example.nl/bb',
    });
  });
});
