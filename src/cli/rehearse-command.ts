import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { EXIT } from '../errors/exit-codes.ts';
import type { Command } from 'commander';
import { intIn, positive, shareIn } from './arg-parsers.ts';
import { ConfigError, loadMockConfig, type MockConfig, type MockConfigInput } from '../mock/config.ts';
import { BATCH_LETTERS, MAX_SHARE_WITH_ATTACHMENT } from '../norms/index.ts';
import { runRehearsal, type RehearseInput } from '../rehearse/rehearse.ts';

interface Options {
  generate?: number;
  seed: number;
  invalid: number;
  attachments: number;
  notSubscribed: number;
  target?: string[];
  allowRemote?: boolean;
  afnemer?: string;
  mockConfig?: string;
  share: number;
  batchSize: number;
  format: string;
  concurrency: number;
  ledger?: string;
  rejects?: string;
  rejectsFull?: boolean;
  quarantine?: boolean;
  maxRejectShare: number;
  dryRun?: boolean;
  json?: boolean;
  timeout: number;
  stallTimeout: number;
  cert?: string;
  key?: string;
  ca?: string;
}

function usage(message: string): never {
  console.error(`bbsim rehearse: ${message} (run with --help for usage and examples)`);
  process.exit(EXIT.USAGE);
}

/**
 * The ledger next to the input (`brieven.ndjson` → `brieven.ledger.db`, folder `batches/` →
 * `batches.ledger.db`; in the working folder for --generate), the reject file next to the ledger.
 */
function defaultPaths(input: RehearseInput): { ledger: string; rejects: (ledger: string) => string } {
  const stem =
    input.kind === 'generate'
      ? `rehearse-generate-${input.count}-seed${input.seed}`
      : input.path.replace(/[\\/]+$/, '').replace(/\.(ndjson|jsonl|json|xml)$/i, '');
  return { ledger: `${stem}.ledger.db`, rejects: (l) => `${l.replace(/\.ledger\.db$|\.db$/, '')}.rejects.ndjson` };
}

export function rehearseCommand(program: Command): void {
  program
    .command('rehearse')
    .description(
      'Rehearse a bulk delivery as the afnemer: plan it within the norms, send it (back-off, redelivery), keep a ledger that survives a crash, and reconcile',
    )
    .argument(
      '[input]',
      'a folder of Berichten XML batches (or one .xml file), or an NDJSON file with one letter per line',
    )
    .option(
      '--generate <n>',
      'generate n letters with a realistic mix instead of reading input',
      intIn('--generate', 1, 100_000_000),
    )
    .option('--seed <n>', 'seed of the generated letters', intIn('--seed', 0, 2 ** 31 - 1), 1)
    .option(
      '--invalid <share>',
      'share of generated letters with a mistake, cycling through every code an afnemer can provoke',
      shareIn('--invalid', 0, 1),
      0,
    )
    .option(
      '--attachments <share>',
      `share of generated letters with a PDF (0-${MAX_SHARE_WITH_ATTACHMENT.limit / 100})`,
      shareIn('--attachments', 0, MAX_SHARE_WITH_ATTACHMENT.limit / 100),
      0.3,
    )
    .option(
      '--not-subscribed <share>',
      "share of generated letters to burgers who do not want the afnemer's letters",
      shareIn('--not-subscribed', 0, 1),
      0.02,
    )
    .option(
      '--target <url>',
      'base URL of the Berichtenbox (the mock, or an acceptance environment with --allow-remote); repeat it for several instances of one service (mocks sharing a PostgreSQL database): requests go round-robin (default http://127.0.0.1:8080)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option('--allow-remote', 'allow a --target that is not on this machine')
    .option(
      '--afnemer <oin>',
      "the afnemer's OIN (X-Afnemer-OIN; default: the OIN of --cert, else the first afnemer of the mock config)",
    )
    .option(
      '--cert <file.crt>',
      "mutual TLS: the afnemer's client certificate (PEM; its subject serialNumber is the OIN, as PKIoverheid certificates carry it)",
    )
    .option('--key <file.key>', 'mutual TLS: the key of --cert (PEM)')
    .option('--ca <file.crt>', "the CA that signed the target's server certificate (PEM; default: the system's)")
    .option(
      '--mock-config <file.json>',
      "the target mock's config, for its population and afnemers (default: the mock's defaults)",
    )
    .option(
      '--share <s>',
      "the afnemer's share of the intake norms (per hour and per day), above 0 up to 1",
      shareIn('--share', 0, 1, true),
      1,
    )
    .option(
      '--batch-size <n>',
      `letters per batch rehearse forms (${BATCH_LETTERS.min}-${BATCH_LETTERS.max})`,
      intIn('--batch-size', BATCH_LETTERS.min ?? 1, BATCH_LETTERS.max),
      BATCH_LETTERS.max,
    )
    .option(
      '--format <xml|json>',
      'body format of the batches rehearse forms (XML batches from a folder are sent as they are)',
      'xml',
    )
    .option('--concurrency <n>', 'batches in flight at once', intIn('--concurrency', 1, 64), 4)
    .option('--ledger <file>', 'the ledger (SQLite); default: next to the input, brieven.ndjson → brieven.ledger.db')
    .option('--rejects <file>', 'the reject file (NDJSON); default: next to the ledger, brieven.rejects.ndjson')
    .option(
      '--rejects-full',
      'write the whole rejected letters to the reject file (to fix and feed back), not only their IDs, codes and source lines',
    )
    .option(
      '--quarantine',
      'set aside unreadable files and lines and batches the service would refuse whole (reported with file and line), send the rest, exit 1',
    )
    .option(
      '--max-reject-share <s>',
      'exit 1 when more than this share of the letters is rejected or refused (0-1)',
      shareIn('--max-reject-share', 0, 1),
      1,
    )
    .option('--dry-run', 'read the input and show the plan, send nothing')
    .option(
      '--json',
      'NDJSON events on stdout (plan, send, wait, verwerkingsbericht, progress, reconciliation) instead of text',
    )
    .option('--timeout <s>', 'per request, wall seconds', positive('--timeout'), 30)
    .option(
      '--stall-timeout <s>',
      'give up after this many wall seconds without progress (waits the target asked for do not count)',
      positive('--stall-timeout'),
      600,
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 reconciled (every letter processed or rejected with its code, none lost or twice, and
the leveranciersportaal agrees), 1 not reconciled (or stopped early: run the same command to resume;
or letters refused with their whole batch, input set aside by --quarantine, rejects above
--max-reject-share), 2 usage error, bad input (nothing sent) or the target refused this client.

Examples:
  $ bbsim rehearse --generate 20000 --invalid 0.01 --dry-run        # the plan for 20,000 generated letters
  $ bbsim rehearse --generate 2000000 --share 0.7 --target http://127.0.0.1:8080
  $ bbsim rehearse batches/                                         # a folder of Berichten XML batches
  $ bbsim rehearse brieven.ndjson --json > events.ndjson             # ledger brieven.ledger.db, rejects brieven.rejects.ndjson
  $ bbsim rehearse brieven.ndjson --rejects-full --max-reject-share 0.02
  $ bbsim rehearse brieven.rejects.ndjson                           # feed the fixed rejects back (written with --rejects-full)
  $ bbsim rehearse batches/ --quarantine                            # set unreadable batches aside, send the rest
  $ bbsim rehearse brieven.ndjson --target https://acc.example.nl/bb --allow-remote --share 0.1
  $ bbsim rehearse --generate 1000 --target https://localhost:8080 --cert pki/clients/<OIN>.crt --key pki/clients/<OIN>.key --ca pki/ca.crt`,
    )
    .action(async (inputPath: string | undefined, opts: Options) => {
      if (opts.format !== 'xml' && opts.format !== 'json') usage(`--format must be xml or json, got '${opts.format}'`);
      if (inputPath !== undefined && opts.generate !== undefined) usage('give an input or --generate, not both');
      let input: RehearseInput;
      if (opts.generate !== undefined) {
        input = {
          kind: 'generate',
          count: opts.generate,
          seed: opts.seed,
          invalidShare: opts.invalid,
          attachmentShare: opts.attachments,
          notSubscribedShare: opts.notSubscribed,
        };
      } else if (inputPath !== undefined) {
        let isDir: boolean;
        try {
          isDir = statSync(inputPath).isDirectory();
        } catch {
          usage(`input ${inputPath} does not exist`);
        }
        input = { kind: isDir || inputPath.toLowerCase().endsWith('.xml') ? 'xml' : 'ndjson', path: inputPath };
      } else {
        usage('give an input (a folder of XML batches or an NDJSON file) or --generate <n>');
      }
      let mockConfig: MockConfig;
      try {
        mockConfig = loadMockConfig(
          opts.mockConfig !== undefined ? (JSON.parse(readFileSync(opts.mockConfig, 'utf8')) as MockConfigInput) : {},
        );
      } catch (err) {
        usage(
          err instanceof ConfigError
            ? err.message
            : `cannot read --mock-config ${opts.mockConfig ?? ''}: ${(err as Error).message}`,
        );
      }
      const tls = readClientTls(opts);
      if (tls?.oin !== undefined && opts.afnemer !== undefined && opts.afnemer !== tls.oin) {
        usage(
          `--afnemer ${opts.afnemer} differs from the OIN ${tls.oin} in --cert's subject serialNumber; the target would refuse it`,
        );
      }
      const afnemerOin = opts.afnemer ?? tls?.oin;
      const paths = defaultPaths(input);
      const ledgerPath = opts.ledger ?? paths.ledger;
      const controller = new AbortController();
      let signals = 0;
      const onSignal = (): void => {
        signals++;
        if (signals > 1) process.exit(EXIT.INTERRUPTED);
        console.error(
          '\nbbsim rehearse: stopping (the ledger is consistent; run the same command to resume; again to quit at once)',
        );
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const result = await runRehearsal(
        {
          input,
          target: opts.target?.[0] ?? 'http://127.0.0.1:8080',
          moreTargets: opts.target?.slice(1) ?? [],
          allowRemote: opts.allowRemote === true,
          afnemerOin,
          mockConfig,
          ...(tls !== undefined ? { tls: tls.files } : {}),
          share: opts.share,
          batchSize: opts.batchSize,
          format: opts.format,
          concurrency: opts.concurrency,
          ledgerPath,
          rejectsPath: opts.rejects ?? paths.rejects(ledgerPath),
          rejectsFull: opts.rejectsFull === true,
          quarantine: opts.quarantine === true,
          maxRejectShare: opts.maxRejectShare,
          dryRun: opts.dryRun === true,
          json: opts.json === true,
          requestTimeoutMs: opts.timeout * 1000,
          stallTimeoutMs: opts.stallTimeout * 1000,
          pollIntervalMs: 100,
        },
        { signal: controller.signal },
      );
      process.exit(result.exitCode);
    });
}

/** --cert/--key/--ca read once (a missing file is a usage error naming it), with the OIN in the certificate's subject serialNumber. */
function readClientTls(
  opts: Options,
): { files: { cert?: Buffer; key?: Buffer; ca?: Buffer }; oin: string | undefined } | undefined {
  if (opts.cert === undefined && opts.key === undefined && opts.ca === undefined) return undefined;
  if ((opts.cert === undefined) !== (opts.key === undefined)) usage('--cert and --key go together');
  const read = (flag: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      usage(`${flag} ${path}: ${(err as Error).message}`);
    }
  };
  const cert = read('--cert', opts.cert);
  const key = read('--key', opts.key);
  const ca = read('--ca', opts.ca);
  let oin: string | undefined;
  if (cert !== undefined) {
    try {
      oin = /(?:^|\n)serialNumber=(\d+)/.exec(new X509Certificate(cert).subject)?.[1];
    } catch (err) {
      usage(`--cert ${opts.cert ?? ''} is not a PEM certificate: ${(err as Error).message}`);
    }
  }
  return { files: { ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(ca ? { ca } : {}) }, oin };
}
