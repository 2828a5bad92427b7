import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, loadMockConfig, type MockConfigInput } from '../mock/config.ts';
import { pkiPaths, writeTestPki } from '../mock/test-pki.ts';

interface InitOptions {
  dir: string;
  mockConfig?: string;
  host: string[];
  force?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** `bbsim pki init`: a test PKI for `bbsim mock --tls` (CA, server certificate, one client certificate per afnemer). */
export function pkiCommand(program: Command): void {
  const pki = program
    .command('pki')
    .description(
      "Test certificates for the mock's two-way TLS (Digikoppeling style: the OIN in the subject serialNumber)",
    );
  pki
    .command('init')
    .description(
      'Write a CA, a server certificate for the mock and one client certificate per configured afnemer (PEM files and a README)',
    )
    .option('--dir <dir>', 'where to write the files', 'pki')
    .option('--mock-config <file.json>', "the mock's config, for its afnemers (default: the mock's default afnemers)")
    .option(
      '--host <name>',
      'a host name or IP address of the server certificate (repeatable; default localhost, 127.0.0.1, ::1)',
      collect,
      [],
    )
    .option('--force', 'overwrite an existing PKI in --dir (its certificates stop working)')
    .addHelpText(
      'after',
      `
Examples:
  $ bbsim pki init                                  # ./pki: ca.crt, server.crt/.key, clients/<OIN>.crt/.key, README.md
  $ bbsim mock --tls pki                            # then: https, afnemers by client certificate
  $ bbsim pki init --dir acc-pki --mock-config mock.json --host bbsim.test.local`,
    )
    .action((opts: InitOptions) => {
      const paths = pkiPaths(opts.dir);
      if (existsSync(paths.caKey) && opts.force !== true) {
        console.error(
          `bbsim pki init: ${paths.caKey} exists; use --force to replace this PKI (certificates it signed stop working), or another --dir`,
        );
        process.exit(2);
      }
      let afnemers;
      try {
        afnemers = loadMockConfig(
          opts.mockConfig !== undefined ? (JSON.parse(readFileSync(opts.mockConfig, 'utf8')) as MockConfigInput) : {},
        ).afnemers;
      } catch (err) {
        console.error(
          `bbsim pki init: ${err instanceof ConfigError ? err.message : `cannot read --mock-config ${opts.mockConfig ?? ''}: ${(err as Error).message}`}`,
        );
        process.exit(2);
      }
      const layout = writeTestPki({ dir: opts.dir, afnemers, ...(opts.host.length > 0 ? { hosts: opts.host } : {}) });
      console.log(`bbsim pki: test PKI written to ${opts.dir} (not PKIoverheid; for the mock only)
  CA:      ${layout.ca} (key ${layout.caKey})
  server:  ${layout.serverCert}, ${layout.serverKey}
  clients: ${layout.clients.map((c) => `${c.cert} (${c.naam})`).join('\n           ')}
  use:     ${layout.readme}`);
      console.log(
        readFileSync(layout.readme, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('    '))
          .join('\n'),
      );
    });
}
