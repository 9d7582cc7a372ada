import assert from 'node:assert/strict';
import { parseCommandLine } from '../../../src/cli/args';
import { UsageError } from '../../../src/cli/errors';
import { main } from '../../../src/cli/main';
import type { CliContext } from '../../../src/cli/context';

const cwd = '/work/space';

function usageError(argv: string[], pattern: RegExp, command?: string): void {
  assert.throws(
    () => parseCommandLine(argv, cwd),
    (e: unknown) => e instanceof UsageError && pattern.test(e.message) && (command === undefined || e.command === command),
    `expected UsageError ${pattern} for ${JSON.stringify(argv)}`,
  );
}

describe('cli/args parseCommandLine', () => {
  it('help and version', () => {
    assert.deepEqual(parseCommandLine([], cwd), { kind: 'help', topic: undefined });
    assert.deepEqual(parseCommandLine(['--help'], cwd), { kind: 'help', topic: undefined });
    assert.deepEqual(parseCommandLine(['-h'], cwd), { kind: 'help', topic: undefined });
    assert.deepEqual(parseCommandLine(['help', 'trigger'], cwd), { kind: 'help', topic: 'trigger' });
    assert.deepEqual(parseCommandLine(['runs', '--help'], cwd), { kind: 'help', topic: 'runs' });
    assert.deepEqual(parseCommandLine(['--version'], cwd), { kind: 'version' });
  });

  it('dev with defaults and with every flag', () => {
    assert.deepEqual(parseCommandLine(['dev'], cwd), { kind: 'dev', dir: cwd, port: 0, store: undefined, workers: undefined });
    assert.deepEqual(
      parseCommandLine(
        [
          'dev',
          '--dir',
          'examples/demo',
          '--port',
          '3030',
          '--store',
          'postgres://u@127.0.0.1/db',
          '--workers',
          '4',
          '--retention-days',
          '0',
          '--retention-runs',
          '5000',
        ],
        cwd,
      ),
      {
        kind: 'dev',
        dir: '/work/space/examples/demo',
        port: 3030,
        store: 'postgres://u@127.0.0.1/db',
        workers: 4,
        retentionDays: 0,
        retentionRuns: 5000,
      },
    );
    assert.equal((parseCommandLine(['dev', '--dir=/abs', '--port=0'], cwd) as { dir: string }).dir, '/abs');
  });

  it('trigger with payload, repeated tags and watch', () => {
    assert.deepEqual(parseCommandLine(['trigger', 'chat', '--payload', '{"prompt":"Hello"}', '--tag', 'user:123', '--tag', 'demo', '--watch'], cwd), {
      kind: 'trigger',
      dir: cwd,
      task: 'chat',
      payload: { prompt: 'Hello' },
      tags: ['user:123', 'demo'],
      watch: true,
    });
    assert.deepEqual(parseCommandLine(['trigger', 'x'], cwd), { kind: 'trigger', dir: cwd, task: 'x', payload: undefined, tags: [], watch: false });
    assert.equal((parseCommandLine(['trigger', 'x', '--payload=-5'], cwd) as { payload: unknown }).payload, -5);
    assert.equal((parseCommandLine(['trigger', 'x', '--debug'], cwd) as { debug?: boolean }).debug, true);
  });

  it('runs with statuses (repeated, comma-separated, any case), tags, task, limit, json', () => {
    assert.deepEqual(
      parseCommandLine(['runs', '--status', 'completed,FAILED', '--status', 'timed_out', '--tag', 'a', '--task', 'chat', '--limit', '5', '--json'], cwd),
      {
        kind: 'runs',
        dir: cwd,
        status: ['COMPLETED', 'FAILED', 'TIMED_OUT'],
        tags: ['a'],
        task: 'chat',
        limit: 5,
        json: true,
      },
    );
    assert.deepEqual(parseCommandLine(['runs'], cwd), { kind: 'runs', dir: cwd, status: [], tags: [], task: undefined, limit: 25, json: false });
  });

  it('watch RUN_ID', () => {
    assert.deepEqual(parseCommandLine(['watch', 'run_abc', '--dir', '/w'], cwd), { kind: 'watch', dir: '/w', runId: 'run_abc' });
  });

  it('names the flag in every error', () => {
    usageError(['trigger', 'chat', '--payload', '{bad'], /^--payload is not valid JSON: /, 'trigger');
    usageError(['trigger', 'chat', '--payload'], /^--payload needs a value$/, 'trigger');
    usageError(['trigger', 'chat', '--payload', '--watch'], /^--payload needs a value; for a value starting with "-" write --payload=VALUE$/);
    usageError(['trigger', 'chat', '--watch=yes'], /^--watch does not take a value$/);
    usageError(['trigger', 'chat', '--bogus'], /^unknown option --bogus for "runlight trigger"$/, 'trigger');
    usageError(['trigger'], /needs a TASK/);
    usageError(['trigger', 'a', 'b'], /unexpected argument "b"/);
    usageError(['dev', '--port', 'abc'], /^--port must be an integer from 0 to 65535, got "abc"$/, 'dev');
    usageError(['dev', '--port', '70000'], /^--port must be an integer/);
    usageError(['dev', '--port', '-1'], /--port/);
    usageError(['dev', '--workers', '0'], /^--workers must be an integer from 1 to 64/);
    usageError(['dev', '--retention-days=-1'], /^--retention-days must be an integer from 0 to 36500, got "-1"/);
    usageError(['dev', '--retention-runs', 'many'], /^--retention-runs must be an integer/);
    usageError(['dev', '--store', 'mysql://x'], /^--store must be "sqlite" or a postgres:\/\/ URL/);
    usageError(['dev', '--dir', ''], /^--dir needs a value$/);
    usageError(['runs', '--status', 'DONE'], /^--status must be one of PENDING_VERSION, .*; got "DONE"$/, 'runs');
    usageError(['runs', '--limit', '0'], /^--limit must be an integer from 1 to 1000/);
    usageError(['watch'], /needs a RUN_ID/);
    usageError(['launch'], /^unknown command "launch"/);
    usageError(['--port', '1'], /put options after the command/);
    usageError(['help', 'nope'], /unknown command "nope"/);
  });
});

describe('cli/main', () => {
  function ctx(): CliContext & { stdout: string; stderr: string } {
    const c = {
      stdout: '',
      stderr: '',
      out: (t: string) => void (c.stdout += t),
      err: (t: string) => void (c.stderr += t),
      env: {},
      cwd: '/nonexistent-runlight-dir',
      stdoutIsTTY: false,
      onSignal: () => () => undefined,
    };
    return c;
  }

  it('bad JSON payload: exit 2 and "error: --payload is not valid JSON: …"', async () => {
    const c = ctx();
    assert.equal(await main(['trigger', 'chat', '--payload', '{nope'], c), 2);
    assert.match(c.stderr, /^error: --payload is not valid JSON: .+\nRun "runlight trigger --help" for usage\.\n$/);
    assert.equal(c.stdout, '');
  });

  it('--help prints usage on stdout with exit 0', async () => {
    const c = ctx();
    assert.equal(await main(['--help'], c), 0);
    assert.match(c.stdout, /runlight trigger TASK \[--payload JSON\]/);
    const d = ctx();
    assert.equal(await main(['trigger', '--help'], d), 0);
    assert.match(d.stdout, /--watch/);
  });

  it('no engine for the folder: exit 1 with a hint to start one', async () => {
    const c = ctx();
    assert.equal(await main(['runs'], c), 1);
    assert.match(c.stderr, /^error: no Runlight engine is running for \/nonexistent-runlight-dir .*runlight dev --dir \/nonexistent-runlight-dir\n$/);
  });
});
