import { readFileSync } from 'node:fs';
import { EXIT } from '../errors/exit-codes.ts';
import type { Command } from 'commander';
import { int, positive } from './arg-parsers.ts';
import { buildMock, MOCK_LISTEN_BACKLOG } from '../mock/app.ts';
import { ConfigError, loadMockConfig, type MockConfigInput } from '../mock/config.ts';
import { describeAccess } from '../mock/access-policy.ts';
import { TlsFileError } from '../mock/tls.ts';
import { validateSpeedSegments } from '../clock/index.ts';
import { parseDuration } from '../scenario/index.ts';

interface MockOptions {
  port?: number;
  host?: string;
  db?: string;
  speed?: number;
  speedSchedule?: string;
  start?: string;
  config?: string;
  seed?: number;
  log?: string;
  tls?: string;
}

/**
 * `--speed-schedule 0=600,19h=30,23h=600`: segments as <from>=<speed>, <from> an ISO instant or a
 * sim offset from the start (a duration with its unit, or 0); exits 2 naming the segment that is wrong.
 */
function parseScheduleFlag(text: string, start: string | number | undefined): { from: number; speed: number }[] {
  const t0 = typeof start === 'number' ? start : start !== undefined ? Date.parse(start) : Date.now();
  const issues: string[] = [];
  const segs = text.split(',').map((part, i) => {
    const m = /^\s*([^=]+)=\s*([0-9.eE+]+)\s*$/.exec(part);
    if (!m) {
      issues.push(`segment ${i + 1} ${JSON.stringify(part)}: write <from>=<speed>, e.g. 19h=30`);
      return { from: Number.NaN, speed: Number.NaN };
    }
    const from = m[1]!.trim();
    const offset = from === '0' ? 0 : parseDuration(from);
    const at = offset !== undefined ? t0 + offset : Date.parse(from);
    if (!Number.isFinite(at))
      issues.push(
        `segment ${i + 1} from ${JSON.stringify(from)}: an ISO 8601 instant or an offset from --start such as 0, 90m or 19h`,
      );
    return { from: at, speed: Number(m[2]) };
  });
  if (issues.length === 0) issues.push(...validateSpeedSegments(segs, '--speed-schedule'));
  if (issues.length > 0) {
    console.error(`bbsim: --speed-schedule: ${issues.join('; ')}`);
    process.exit(EXIT.USAGE);
  }
  return segs;
}

export function mockCommand(program: Command): void {
  program
    .command('mock')
    .description(
      'Start the Berichtenbox mock (embedded SQLite store, or PostgreSQL shared by several instances) and keep it running until Ctrl-C',
    )
    .option('-p, --port <port>', 'TCP port (0 = any free port)', int('--port'))
    .option('-H, --host <host>', 'address to listen on (loopback by default)')
    .option(
      '--db <file|url>',
      'SQLite file (default: a fresh temp file), or postgres://user@host:port/db: PostgreSQL, which several instances can share',
    )
    .option('--speed <factor>', 'sim clock speed: 60 runs a simulated hour in a wall minute', positive('--speed'))
    .option(
      '--speed-schedule <segments>',
      'a speed per sim span instead of one speed: <from>=<speed>,… with <from> an ISO instant or an offset from --start (0=600,19h=30,23h=600)',
    )
    .option('--start <instant>', 'sim clock start, ISO 8601 (default: now)')
    .option('--seed <n>', 'seed for the population and every random draw', int('--seed'))
    .option('-c, --config <file.json>', 'mock config file (JSON); flags override it')
    .option('--log <level>', 'log requests at this level (info, debug, …)')
    .option(
      '--tls <dir>',
      'HTTPS with client certificates from a test PKI folder (server.key, server.crt, ca.crt: bbsim pki init); afnemers are then identified by certificate',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ bbsim mock                                  # 127.0.0.1:8080, sim clock = wall clock
  $ bbsim mock --port 0 --speed 60              # any free port, one sim hour per wall minute
  $ bbsim mock --db ./mock.db --start 2027-03-01T19:00:00+01:00
  $ bbsim mock --config mock.json --port 9000
  $ bbsim mock --db postgres://bbsim@127.0.0.1:5432/bbsim --port 8081   # run a second one on 8082: one service
  $ bbsim mock --start 2027-03-01T00:00:00+01:00 --speed-schedule 0=600,19h=30,23h=600   # fast night, slow evening peak
  $ bbsim pki init && bbsim mock --tls pki          # https, afnemers by client certificate (OIN in the subject serialNumber)`,
    )
    .action(async (opts: MockOptions) => {
      // The test PKI module (node-forge, about 20 ms to load) only when --tls names a folder.
      const pki = opts.tls !== undefined ? (await import('../mock/test-pki.ts')).pkiPaths(opts.tls) : undefined;
      let input: MockConfigInput = {};
      if (opts.config !== undefined) {
        try {
          input = JSON.parse(readFileSync(opts.config, 'utf8')) as MockConfigInput;
        } catch (err) {
          console.error(`bbsim: cannot read config ${opts.config}: ${(err as Error).message}`);
          process.exit(EXIT.USAGE);
        }
      }
      const merged: MockConfigInput = {
        ...input,
        ...(opts.port !== undefined ? { port: opts.port } : {}),
        ...(opts.host !== undefined ? { host: opts.host } : {}),
        ...(opts.db !== undefined ? { db: opts.db } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.log !== undefined ? { logger: opts.log as MockConfigInput['logger'] } : {}),
        ...(pki !== undefined ? { tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca } } : {}),
        clock: {
          ...input.clock,
          ...(opts.speed !== undefined ? { speed: opts.speed } : {}),
          ...(opts.start !== undefined ? { start: opts.start } : {}),
          ...(opts.speedSchedule !== undefined
            ? { schedule: parseScheduleFlag(opts.speedSchedule, opts.start ?? input.clock?.start) }
            : {}),
        },
      };
      let config;
      try {
        config = loadMockConfig(merged);
      } catch (err) {
        if (err instanceof ConfigError) {
          console.error(`bbsim: ${err.message}`);
          process.exit(EXIT.USAGE);
        }
        throw err;
      }
      let app;
      try {
        app = await buildMock(config);
      } catch (err) {
        if (err instanceof TlsFileError) {
          console.error(
            `bbsim: ${err.message}${opts.tls !== undefined ? ` (bbsim pki init --dir ${opts.tls} writes a test PKI)` : ''}`,
          );
          process.exit(2);
        }
        // A population file, signing key or SP metadata that cannot be used: the reason, no stack trace.
        console.error(`bbsim: cannot start the mock: ${(err as Error).message}`);
        process.exit(2);
      }
      let address: string;
      try {
        address = await app.listen({ port: config.port, host: config.host, backlog: MOCK_LISTEN_BACKLOG });
      } catch (err) {
        console.error(
          `bbsim: cannot listen on ${config.host}:${config.port}: ${(err as Error).message} (try --port 0 for any free port)`,
        );
        await app.close();
        process.exit(EXIT.COULD_NOT_RUN);
      }
      const st = app.bbsim.store as { path?: unknown; displayUrl?: unknown };
      const db =
        typeof st.displayUrl === 'string'
          ? `PostgreSQL ${st.displayUrl} (shared: windows, clock and processing are the service's)`
          : typeof st.path === 'string'
            ? `SQLite ${st.path}`
            : '(custom store)';
      const oin = config.afnemers[0]?.oin ?? '';
      // Under TLS the afnemer is its certificate; without, the header stands for it.
      const tls = config.tls;
      const curl = tls !== undefined ? `curl --cacert ${tls.ca}` : 'curl';
      const as =
        tls !== undefined && pki !== undefined
          ? `--cert ${pki.client(oin).cert} --key ${pki.client(oin).key}`
          : tls !== undefined
            ? '--cert <client.crt> --key <client.key>'
            : `-H 'x-afnemer-oin: ${oin}'`;
      console.log(`bbsim mock listening on ${address}
  store:  ${db}
  clock:  sim ${new Date(app.bbsim.clock.now()).toISOString()}, ${
    app.bbsim.clock.schedule.isConstant
      ? `speed ${app.bbsim.clock.speed}`
      : `speed schedule ${app.bbsim.clock.schedule
          .toJSON()
          .map((x) => `${x.from}=${x.speed}`)
          .join(',')}`
  }
  ${describeAccess(app.bbsim.access, config.host).join('\n  ')}
  try:
    ${curl} ${address}/health
    ${curl} ${address}/status
    ${curl} ${address}/berichtenbox/portaal ${as}
    ${curl} ${address}/openapi.json
    node bin/bbsim.js example-batch --letters 100 > batch.xml
    ${curl} -X POST ${address}/berichtenbox/afleveren -H 'content-type: application/xml' ${as} --data-binary @batch.xml
    ${curl} ${address}/berichtenbox/verwerkingsberichten ${as}
  Ctrl-C stops it.`);
      const stop = async (signal: string): Promise<void> => {
        console.log(`bbsim mock: ${signal}, closing`);
        await app.close();
        process.exit(EXIT.OK);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
