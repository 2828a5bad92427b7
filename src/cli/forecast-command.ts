import { existsSync, readFileSync } from 'node:fs';
import { EXIT } from '../errors/exit-codes.ts';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { fromLocal, localParts } from '../clock/index.ts';
import { FORECAST_MAX_DEVIATION } from '../norms/index.ts';
import {
  DEFAULT_MAX_WALL_LETTERS,
  EmitRefusedError,
  FORECAST_COLUMNS,
  ForecastInputError,
  emitScenarioSet,
  formatIssue,
  readForecastCsv,
  readProfilesJson,
  runForecast,
  terminalSummary,
  writeForecastResults,
  type EmittedScenario,
  type Forecast,
  type ProfileSet,
} from '../forecast/index.ts';

interface Options {
  actuals?: string;
  profiles?: string;
  out?: string;
  emitScenario?: boolean;
  peak: 'hour' | 'day';
  scenarioName?: string;
  overwrite?: boolean;
  scenarios: string;
  wallBudget: number;
  maxWallRate: number;
  maxWallLetters: number;
  trace: string[];
  top: number;
}

// The TypeScript sources (emitted scenarios import them), also when this runs compiled from dist/.
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number > 0, got '${v}'`);
    return n;
  };
}

/**
 * 'YYYY-MM-DDTHH:MM' is Amsterdam local time; an instant with Z or an offset is taken as it is. A
 * local time the spring-forward skips (02:00-02:59 on the last Sunday of March) is read with the
 * offset before the jump, an hour later on the clock, and the note says so.
 */
export function traceInstant(v: string): { readonly t: number; readonly note?: string } {
  const local = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(v.trim());
  if (local) {
    const [y, mo, d, hh, mm] = local.slice(1).map(Number) as [number, number, number, number, number];
    const t = fromLocal(y, mo, d, hh, mm);
    const p = localParts(t);
    if (p.hour !== hh || p.minute !== mm || p.day !== d) {
      return {
        t,
        note: `--trace ${v}: that local time does not exist in Europe/Amsterdam (the clocks skip from 02:00 to 03:00 that night); traced ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')} instead`,
      };
    }
    return { t };
  }
  const t = /[zZ]|[+-]\d{2}:\d{2}$/.test(v) ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(t))
    throw new InvalidArgumentError(
      `--trace wants a local time YYYY-MM-DDTHH:MM (Europe/Amsterdam) or an ISO instant with an offset, got '${v}'`,
    );
  return { t };
}

function collect(v: string, previous: string[] = []): string[] {
  traceInstant(v); // refuse a bad value while parsing the options
  return [...previous, v];
}

/** The default scenario name: the forecast file's name in kebab case with '-peak' ('tax 2027.csv' → 'tax-2027-peak'), never the shipped forecast-peak. */
export function defaultScenarioName(file: string): string {
  const base = basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${base || 'forecast'}-peak`;
}

function readText(file: string, what: string): string {
  if (!existsSync(file)) throw new ForecastInputError([{ file, line: 0, column: 0, message: `no such ${what} file` }]);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ForecastInputError([
      { file, line: 0, column: 0, message: `cannot read the ${what} file: ${(err as Error).message}` },
    ]);
  }
}

export function forecastCommand(program: Command): void {
  program
    .command('forecast')
    .description(
      'Turn a rolling forecast (CSV, per month and afnemer) into load per minute, check every rate norm with its headroom, simulate the queues over the horizon, and emit the peak as a scenario',
    )
    .argument('<forecast.csv>', 'the rolling forecast (columns below)')
    .option(
      '--actuals <file.csv>',
      `actuals in the same columns: deviation per month and afnemer against the ${FORECAST_MAX_DEVIATION.limit} % rule (${FORECAST_MAX_DEVIATION.id})`,
    )
    .option(
      '--profiles <file.json>',
      'load profiles per afnemer and/or service (format in the README); default the shipped ones',
    )
    .option('--out <dir>', 'result folder (default results/forecast-<name>-<timestamp>)')
    .option(
      '--emit-scenario',
      'write the peak as a scenario (scenarios/<name>.ts) that `bbsim run <name>` executes against the mock',
    )
    .option(
      '--peak <window>',
      "what to emit: 'hour' (the peak hour, or its busiest minutes) or 'day' (its day as a day-curve)",
      (v: string) => {
        if (v !== 'hour' && v !== 'day') throw new InvalidArgumentError(`--peak is 'hour' or 'day', got '${v}'`);
        return v;
      },
      'hour',
    )
    .option(
      '--scenario-name <name>',
      "name of the emitted scenario (default: the forecast file's name with '-peak', e.g. example-peak)",
    )
    .option('--overwrite', 'replace the scenario file even if the emitter did not write it from this forecast')
    .option('--scenarios <dir>', 'folder for the emitted scenario', 'scenarios')
    .option('--wall-budget <seconds>', 'wall time the emitted scenario may take', positive('--wall-budget'), 50)
    .option(
      '--max-wall-rate <per-second>',
      'requests per wall second the emitted scenario may send',
      positive('--max-wall-rate'),
      1200,
    )
    .option(
      '--max-wall-letters <per-second>',
      'letters per wall second the emitted scenarios may deliver (the mock takes about 4,500/s on a busy 2-core machine)',
      positive('--max-wall-letters'),
      DEFAULT_MAX_WALL_LETTERS,
    )
    .option('--trace <time>', 'also trace the letters offered at this local time (repeatable)', collect, [])
    .option('--top <n>', 'worst hours to list', positive('--top'), 10)
    .addHelpText(
      'after',
      `
Columns (a header line naming them, any order, ',' or ';' separated, '#' lines are comments):
${FORECAST_COLUMNS.map((c) => `  ${c.name.padEnd(28)} ${c.doc}`).join('\n')}

Writes <out>/forecast.json, <out>/hours.csv (one row per hour) and <out>/report.html (self-contained).
Exit codes: 0 every norm holds, 1 a norm is breached, 2 bad input (each problem named by file:line:column and rule).
With --emit-scenario: 0 when the scenario is written (the breaches the forecast predicts are its expectBreaches,
which \`bbsim run\` checks), 2 when it is not (bad input, or a file the emitter did not write).

Examples:
  $ bbsim forecast scenarios/forecasts/example.csv
  $ bbsim forecast scenarios/forecasts/example.csv --actuals scenarios/forecasts/example-actuals.csv
  $ bbsim forecast scenarios/forecasts/example.csv --profiles scenarios/forecasts/example-profiles.json --trace 2027-03-01T20:00
  $ bbsim forecast scenarios/forecasts/example.csv --emit-scenario && bbsim run example-peak
  $ bbsim forecast forecast.csv --emit-scenario --peak day --scenario-name tax-day --out results/tax`,
    )
    .action((file: string, opts: Options) => {
      let code: number;
      try {
        const forecast = readForecastCsv(readText(file, 'forecast'), file, { kind: 'forecast' });
        const profiles: ProfileSet | undefined =
          opts.profiles !== undefined
            ? readProfilesJson(readText(opts.profiles, 'profiles'), opts.profiles)
            : undefined;
        const actuals: Forecast | undefined =
          opts.actuals !== undefined
            ? readForecastCsv(readText(opts.actuals, 'actuals'), opts.actuals, { kind: 'actuals' })
            : undefined;
        const traces = opts.trace.map(traceInstant);
        const result = runForecast({
          forecast,
          ...(profiles ? { profiles } : {}),
          ...(actuals ? { actuals } : {}),
          traceAt: traces.map((x) => x.t),
          top: opts.top,
          notes: traces.flatMap((x) => (x.note ? [x.note] : [])),
        });
        let emitted: EmittedScenario | undefined;
        if (opts.emitScenario) {
          const name = opts.scenarioName ?? defaultScenarioName(file);
          if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(name))
            throw new ForecastInputError([
              { file: '--scenario-name', line: 0, column: 0, message: `'${name}' is not kebab-case` },
            ]);
          emitted = emitScenarioSet(result, {
            name,
            window: opts.peak,
            scenariosDir: opts.scenarios,
            srcDir: SRC,
            wallBudgetSeconds: opts.wallBudget,
            maxWallRate: opts.maxWallRate,
            maxWallLetters: opts.maxWallLetters,
            source: file,
            overwrite: opts.overwrite ?? false,
          });
        }
        const id = `${basename(file, extname(file))}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        const dir = opts.out ?? join('results', `forecast-${id}`);
        const files = writeForecastResults(result, dir, emitted);
        console.log(terminalSummary(result, emitted));
        console.log(`\nWrote ${files.json}, ${files.csv} and ${files.html}`);
        // Emitting is the job asked for: the predicted breaches travel in the scenario's expectBreaches,
        // so `forecast --emit-scenario && bbsim run <name>` runs exactly when a breach is predicted.
        code = emitted ? EXIT.OK : result.breached ? EXIT.CHECK_FAILED : EXIT.OK;
      } catch (err) {
        if (err instanceof EmitRefusedError) {
          console.error(`bbsim forecast: ${err.message}`);
          process.exit(EXIT.USAGE);
        }
        if (err instanceof ForecastInputError) {
          console.error(`bbsim forecast: bad input\n${err.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
          process.exit(EXIT.USAGE);
        }
        console.error(`bbsim forecast: ${(err as Error).message}`);
        process.exit(EXIT.USAGE);
      }
      process.exit(code);
    });
}
