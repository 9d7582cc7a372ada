import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { isSecretKey } from '../../../src/protocol/auth';
import { engineSpawnPlan, generateSecretKey, isLoopbackUrl, isPidAlive, parseListeningLine } from '../../../src/extension/engine/engineFiles';

describe('engine helpers', () => {
  it('generates rl_dev_ keys of 32 random bytes that the engine accepts as secret keys', () => {
    const a = generateSecretKey();
    const b = generateSecretKey();
    assert.match(a, /^rl_dev_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
    assert.ok(isSecretKey(a));
  });

  it('reads the listening line', () => {
    assert.equal(parseListeningLine('Runlight engine listening on http://127.0.0.1:43123'), 'http://127.0.0.1:43123');
    assert.equal(parseListeningLine('[x] Runlight engine listening on http://127.0.0.1:5/ (sqlite)'), 'http://127.0.0.1:5');
    assert.equal(parseListeningLine('listening soon'), undefined);
  });

  it('only attaches to loopback URLs', () => {
    assert.ok(isLoopbackUrl('http://127.0.0.1:3000'));
    assert.ok(isLoopbackUrl('http://localhost:3000'));
    assert.ok(!isLoopbackUrl('http://10.0.0.2:3000'));
    assert.ok(!isLoopbackUrl('https://example.com'));
    assert.ok(!isLoopbackUrl('not a url'));
  });

  it('tells live pids from dead ones', async () => {
    assert.ok(isPidAlive(process.pid));
    assert.ok(!isPidAlive(0));
    assert.ok(!isPidAlive(-5));
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    assert.ok(!isPidAlive(pid));
  });

  it("starts the engine with VS Code's runtime as Node and our key in the environment", () => {
    const plan = engineSpawnPlan({
      execPath: '/x/code',
      cliPath: '/ext/dist/cli.js',
      workspace: '/ws',
      port: 0,
      secretKey: 'rl_dev_abc',
      env: { PATH: '/bin', RUNLIGHT_SECRET_KEY: 'old' },
    });
    assert.equal(plan.command, '/x/code');
    assert.deepEqual(plan.args, ['/ext/dist/cli.js', 'dev', '--dir', '/ws', '--port', '0']);
    assert.equal(plan.env.ELECTRON_RUN_AS_NODE, '1');
    assert.equal(plan.env.RUNLIGHT_SECRET_KEY, 'rl_dev_abc');
    assert.equal(plan.env.PATH, '/bin');
    assert.equal(plan.env.RUNLIGHT_RETENTION_DAYS, undefined);
    assert.equal(plan.env.NODE_COMPILE_CACHE, join('/ws', '.runlight', 'compile-cache'), 'compiled code kept between starts, in the workspace');
    const kept = engineSpawnPlan({ execPath: 'n', cliPath: 'c', workspace: '/ws', port: 0, secretKey: 'k', retention: { days: 0.5, maxRuns: 1000 }, env: {} });
    assert.equal(kept.env.RUNLIGHT_RETENTION_DAYS, '0.5');
    assert.equal(kept.env.RUNLIGHT_RETENTION_RUNS, '1000');
  });
});
