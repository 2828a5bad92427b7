import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = `${REPO}scripts/postgres-test-cluster`;

/** A throwaway PostgreSQL cluster on loopback (scripts/postgres-test-cluster). */
export interface TestCluster {
  /** postgres://postgres@127.0.0.1:<port>/bbsim */
  readonly url: string;
  readonly dir: string;
  readonly bin: string;
  /** A fresh, empty database in this cluster; its URL. */
  freshDatabase(): Promise<string>;
  /** pg_ctl stop -m fast (connections are cut, as when PostgreSQL is restarted under load). */
  stopServer(): void;
  /** Starts it again on the same port and data folder. */
  startServer(): void;
  /** Stops the server and removes the folder. */
  destroy(): void;
}

/**
 * Starts a cluster for a test file. It must work in CI (scripts/setup installs PostgreSQL): when it
 * cannot be started this throws, so the tests FAIL rather than skip. With BBSIM_PG_URL set (a
 * cluster you run yourself) that one is used and left running, unless `own` (a test that stops
 * and starts the server needs its own).
 */
export function startTestCluster(opts: { own?: boolean } = {}): TestCluster {
  let url: string;
  let dir = '';
  let bin = '';
  const given = opts.own === true ? undefined : process.env.BBSIM_PG_URL;
  if (given !== undefined && given !== '') {
    url = given;
  } else {
    let out: string;
    try {
      out = execFileSync('bash', [SCRIPT, 'start'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(
        `could not start a PostgreSQL test cluster (scripts/postgres-test-cluster start): ${e.stderr ?? e.message}`,
      );
    }
    const vars = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => l.split('=', 2) as [string, string]),
    );
    url = vars.BBSIM_PG_URL ?? '';
    dir = vars.BBSIM_PG_DIR ?? '';
    bin = vars.BBSIM_PG_BIN ?? '';
    if (url === '' || dir === '') throw new Error(`scripts/postgres-test-cluster printed no URL:\n${out}`);
  }
  const port = new URL(url).port;
  const asOwner = (cmd: string, args: string[]): void => {
    const root = process.getuid?.() === 0;
    execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, {
      stdio: 'ignore',
      timeout: 60_000,
      cwd: '/',
    });
  };
  return {
    url,
    dir,
    bin,
    async freshDatabase() {
      const name = `t_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    stopServer() {
      if (dir === '') throw new Error('stopServer needs a cluster this helper started (BBSIM_PG_URL is set)');
      asOwner(`${bin}/pg_ctl`, ['-D', `${dir}/data`, '-m', 'fast', '-w', 'stop']);
    },
    startServer() {
      if (dir === '') throw new Error('startServer needs a cluster this helper started (BBSIM_PG_URL is set)');
      asOwner(`${bin}/pg_ctl`, [
        '-D',
        `${dir}/data`,
        '-l',
        `${dir}/server.log`,
        '-w',
        '-t',
        '30',
        '-o',
        `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c max_connections=200 -c shared_buffers=64MB`,
        'start',
      ]);
    },
    destroy() {
      if (dir === '') return;
      execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore', timeout: 60_000 });
    },
  };
}
