import { defineConfig } from 'vitest/config';

/**
 * Test files that measure the machine: they hold rates, drop counts or false-alarm shares that a
 * second test file on the other core would disturb (a shipped scenario at 10,000 authentications a
 * minute, the compare calibration's A/A runs, k6 segment splits, forecast replays at a measured
 * rate, crash/resume timing). They run one at a time, after the rest. Everything else waits mostly
 * on sockets, k6 processes and timers, so two files at a time on 2 cores: the serial suite took
 * 1,593 s in CI (load average 0.8), which left no room under the 30-minute budget.
 */
const MACHINE_BOUND = [
  'test/compare-calibration.test.ts',
  'test/shipped-scenarios.test.ts',
  'test/segments.test.ts',
  'test/forecast-scenario.test.ts',
  'test/engine.test.ts',
  'test/capacity-model.test.ts',
  'test/rehearse-crash.test.ts',
  'test/rehearse-ledger.test.ts',
  'test/quickstart-smoke.test.ts',
  'test/run-native.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'io-bound',
          include: ['test/**/*.test.ts'],
          exclude: MACHINE_BOUND,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'machine-bound', include: MACHINE_BOUND, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
