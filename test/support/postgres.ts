import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * A throwaway Postgres for tests. With RUNLIGHT_TEST_DATABASE_URL set, that server is used;
 * otherwise a cluster is initdb'd into a temp dir (Debian's /usr/lib/postgresql/<v>/bin, run as the
 * `postgres` OS user when we are root), listening on 127.0.0.1:<free port> with trust auth and
 * fsync off. `createDatabase()` gives each test store an empty database.
 */
export interface TestPostgres {
  /** URL of the maintenance database (`postgres`). */
  url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export class PostgresUnavailable extends Error {}

/** The bin folder of the newest installed Postgres, or undefined. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

let dbCounter = 0;

export async function startTestPostgres(): Promise<TestPostgres> {
  const external = process.env['RUNLIGHT_TEST_DATABASE_URL'];
  if (external) return withDatabases(external, async () => undefined);

  const bin = findPostgresBin();
  if (!bin) {
    throw new PostgresUnavailable(
      'No Postgres server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin; install the Debian `postgresql` package or set RUNLIGHT_TEST_DATABASE_URL',
    );
  }
  const asRoot = process.getuid?.() === 0;
  const base = mkdtempSync(join(tmpdir(), 'runlight-pg-'));
  const dataDir = join(base, 'data');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(base, uid, gid);
  }
  const run = (tool: string, args: string[]): void => {
    const cmd = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    const res = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
    if (res.status !== 0) {
      throw new Error(`${tool} failed (${res.status ?? res.signal}): ${res.stderr || res.stdout}`);
    }
  };

  run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  const serverOptions = [
    `-c listen_addresses=127.0.0.1`,
    `-c port=${port}`,
    `-c unix_socket_directories=${base}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=100',
  ].join(' ');
  run('pg_ctl', ['-D', dataDir, '-o', serverOptions, '-l', join(base, 'server.log'), '-w', '-t', '60', 'start']);

  let stopped = false;
  const stopSync = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  };
  // A test process that exits without after() hooks must not leave a server behind.
  process.once('exit', stopSync);
  return withDatabases(`postgres://postgres@127.0.0.1:${port}/postgres`, async () => {
    process.removeListener('exit', stopSync);
    stopSync();
  });
}

function withDatabases(url: string, stopServer: () => Promise<void>): TestPostgres {
  const created: string[] = [];
  return {
    url,
    async createDatabase() {
      const name = `runlight_test_${process.pid}_${Date.now()}_${++dbCounter}`;
      await withClient(url, (c) => c.query(`CREATE DATABASE ${name}`));
      created.push(name);
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async stop() {
      if (process.env['RUNLIGHT_TEST_DATABASE_URL']) {
        for (const name of created.splice(0)) {
          await withClient(url, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
        }
      }
      await stopServer();
    },
  };
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      server.close(() => {
        if (addr && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('no port'));
      });
    });
  });
}
