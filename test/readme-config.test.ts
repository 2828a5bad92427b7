import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMockConfig, type MockConfigInput } from '../src/mock/config.ts';

describe('README', () => {
  it('its example mock config is valid', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Configuration'));
    const block = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBeDefined();
    const config = loadMockConfig(JSON.parse(block!) as MockConfigInput);
    expect(config.clock.speed).toBe(60);
    expect(config.faults.services.digid?.outages).toHaveLength(1);
  });

  it('an invalid config names the path and the rule', () => {
    expect(() => loadMockConfig({ digid: { perMinute: -5 } } as MockConfigInput)).toThrow(/digid\.perMinute/);
    expect(() =>
      loadMockConfig({
        faults: { services: { digid: { outages: [{ from: '2027-03-01T21:00:00Z', to: '2027-03-01T20:00:00Z' }] } } },
      }),
    ).toThrow(/'to' must be after 'from'/);
    expect(() => loadMockConfig({ clock: { start: 'gisteren' } })).toThrow(/clock\.start: must be an ISO 8601 instant/);
  });
});
