/**
 * A synthetic rolling forecast for the benchmark: `afnemers` afnemers × `months` months with
 * Zipf-like volumes (a few large senders, a long tail), scaled so the Berichtenbox total is about
 * `lettersPerYear`, and a profile file that gives every tenth afnemer one of a few own profiles
 * (so the spread is not one shape per series). Deterministic.
 */
import { FORECAST_COLUMNS } from '../../src/forecast/index.ts';

export interface Synthetic {
  readonly csv: string;
  readonly profiles: string;
}

export function syntheticForecast(
  afnemers: number,
  months: number,
  lettersPerYear: number,
  authPerYear: number,
): Synthetic {
  const header = FORECAST_COLUMNS.map((c) => c.name).join(',');
  const weights = Array.from({ length: afnemers }, (_, i) => 1 / (i + 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  const lines = [header];
  const oin = (i: number): string => `00000001${String(100_000_000 + i * 7919).padStart(9, '0')}000`;
  for (let m = 0; m < months; m++) {
    const month = `${2027 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
    for (let i = 0; i < afnemers; i++) {
      const share = weights[i]! / sum;
      const letters = Math.round((lettersPerYear / 12) * share);
      const auth = Math.round((authPerYear / 12) * share);
      lines.push(
        [
          month,
          oin(i),
          `Afnemer ${i + 1}`,
          letters,
          (i * 7) % 90,
          Math.round(letters * 0.7),
          auth,
          Math.round(auth / 50),
          Math.round(letters / 400),
          i % 5 === 0 ? 4 : 0,
          i % 7 === 0 ? 2 : 0,
          i % 3 === 0 ? 5 : 0,
        ].join(','),
      );
    }
  }
  const own = ['bulk-evening', 'early-morning', 'lunch', 'weekend-run'];
  const hourly = [
    Array.from({ length: 24 }, (_, h) => (h >= 19 && h < 23 ? 1 : 0)),
    Array.from({ length: 24 }, (_, h) => (h >= 5 && h < 9 ? 1 : 0.05)),
    Array.from({ length: 24 }, (_, h) => (h >= 11 && h < 14 ? 1 : 0.1)),
    Array.from({ length: 24 }, () => 1),
  ];
  const profiles = {
    profiles: Object.fromEntries(
      own.map((name, i) => [
        name,
        { hourly: hourly[i], ...(name === 'weekend-run' ? { weekly: [0.2, 0.2, 0.2, 0.2, 0.2, 1, 1] } : {}) },
      ]),
    ),
    assign: Array.from({ length: Math.floor(afnemers / 10) }, (_, k) => ({
      afnemer: oin(k * 10),
      service: 'messages',
      profile: own[k % own.length],
    })),
  };
  return { csv: `${lines.join('\n')}\n`, profiles: JSON.stringify(profiles, null, 2) };
}
