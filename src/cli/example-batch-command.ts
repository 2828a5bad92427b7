import type { Command } from 'commander';
import { intIn, shareIn } from './arg-parsers.ts';
import { CliError } from '../errors/cli-errors.ts';
import { unknownName } from '../errors/suggest.ts';
import { generateBatch, renderBerichtenXml, berichtenJson } from '../berichten/index.ts';
import { createPopulation } from '../population/index.ts';
import { loadMockConfig } from '../mock/config.ts';
import { BATCH_LETTERS, MAX_SHARE_WITH_ATTACHMENT } from '../norms/index.ts';

interface Options {
  letters: number;
  format: string;
  afnemer?: string;
  berichtType?: string;
  seed: number;
  attachments: number;
  notSubscribed: number;
  target?: string;
  at?: string;
}

function fail(message: string): never {
  console.error(`bbsim example-batch: ${message}`);
  process.exit(2);
}

/**
 * When the batch is made: `--at`, else the target's clock (GET /status of `--target`: a mock
 * started with --start in 2027 refuses a batch dated today as AanmaakDatumLigtTeVerInHetVerleden),
 * else the wall clock.
 */
async function batchTime(opts: Options): Promise<number> {
  if (opts.at !== undefined) {
    const t = Date.parse(opts.at);
    if (!Number.isFinite(t))
      fail(`--at must be an ISO 8601 instant (e.g. 2027-03-02T09:00:00+01:00), got '${opts.at}'`);
    return t;
  }
  if (opts.target === undefined) return Date.now();
  let url: URL;
  try {
    url = new URL('/status', opts.target);
  } catch {
    fail(`--target '${opts.target}' is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { now?: unknown };
    const t = typeof body.now === 'string' ? Date.parse(body.now) : Number.NaN;
    if (!res.ok || !Number.isFinite(t))
      fail(`GET ${url.href} answered ${res.status} without a clock (now); pass --at instead`);
    // A minute before the target's now: our reading of its clock is a little old when the batch arrives.
    return t - 60_000;
  } catch (err) {
    fail(
      `cannot read the clock of --target ${opts.target} (GET /status: ${(err as Error).message}); pass --at instead`,
    );
  }
}

/** Prints a fresh, valid Berichten batch (dated on the target's clock, --at, or now) for the default mock population. */
export function exampleBatchCommand(program: Command): void {
  program
    .command('example-batch')
    .description(
      'Print a valid Berichten batch (XML or JSON) to deliver to the mock, addressed to its default population',
    )
    .option(
      '-n, --letters <n>',
      `letters in the batch (${BATCH_LETTERS.min}-${BATCH_LETTERS.max})`,
      intIn('--letters', BATCH_LETTERS.min ?? 1, BATCH_LETTERS.max),
      10,
    )
    .option('-f, --format <xml|json>', 'output format', 'xml')
    .option('--afnemer <oin>', 'sender OIN (default: the first afnemer of the default config)')
    .option('--bericht-type <type>', "BerichtType (default: the afnemer's first)")
    .option(
      '--attachments <share>',
      `share of letters with a PDF attachment (0-${MAX_SHARE_WITH_ATTACHMENT.limit / 100})`,
      shareIn('--attachments', 0, MAX_SHARE_WITH_ATTACHMENT.limit / 100),
      0,
    )
    .option(
      '--not-subscribed <share>',
      'share of letters to burgers without a box for this afnemer (coded NietActiefOfGeabonneerd)',
      shareIn('--not-subscribed', 0, 1),
      0,
    )
    .option(
      '--seed <n>',
      'seed (different seeds give different BatchIDs and BerichtIDs)',
      intIn('--seed', 0, 2 ** 31 - 1),
      Date.now() % 2 ** 31,
    )
    .option('--target <url>', "date the batch on this mock's clock (GET /status), e.g. one started with --start")
    .option('--at <instant>', 'date the batch at this instant (ISO 8601) instead of now')
    .addHelpText(
      'after',
      `
Examples:
  $ bbsim example-batch --letters 100 > batch.xml
  $ bbsim example-batch --format json --attachments 0.5 > batch.json
  $ bbsim example-batch --target http://127.0.0.1:8080 > batch.xml    # dated on the mock's clock
  $ bbsim example-batch --at 2027-03-02T09:00:00+01:00 > batch.xml
  $ curl -X POST localhost:8080/berichtenbox/afleveren -H 'content-type: application/xml' \\
         -H 'x-afnemer-oin: 00000001003214345000' --data-binary @batch.xml`,
    )
    .action(async (opts: Options) => {
      if (opts.format !== 'xml' && opts.format !== 'json') {
        throw new CliError('BAD_OPTION', `--format: ${unknownName('format', opts.format, ['xml', 'json'])}`);
      }
      // The default config: the same population and afnemers as `bbsim mock` without --config/--seed.
      const config = loadMockConfig({});
      const afnemer =
        opts.afnemer !== undefined ? config.afnemers.find((a) => a.oin === opts.afnemer) : config.afnemers[0];
      if (!afnemer) {
        throw new CliError(
          'UNKNOWN_NAME',
          `--afnemer: ${unknownName(
            'afnemer',
            opts.afnemer ?? '',
            config.afnemers.map((a) => a.oin),
          )} (the default config's)`,
        );
      }
      if (opts.at !== undefined && opts.target !== undefined) fail('give --target or --at, not both');
      const now = await batchTime(opts);
      const population = createPopulation({ seed: config.seed, ...config.population });
      const batch = generateBatch({
        seed: opts.seed,
        afnemerOin: afnemer.oin,
        berichtType: opts.berichtType ?? afnemer.berichtTypes[0] ?? 'BRIEF',
        letters: opts.letters,
        now,
        population,
        attachmentShare: opts.attachments,
        recipientShare: 1 - opts.notSubscribed,
      });
      process.stdout.write(
        opts.format === 'xml' ? renderBerichtenXml(batch) : `${JSON.stringify(berichtenJson(batch), null, 2)}\n`,
      );
    });
}
