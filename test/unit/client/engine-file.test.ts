import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureRunlightDir, ensureSecretKey } from '../../../src/client/engine-file';

/** The workspace's `.runlight/`: one secret key every engine, window and CLI of the workspace shares, never committed. */
describe('client: the workspace secret key and .runlight/', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rl-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates the key once (mode 0600) and gives the same one after', async () => {
    const a = await ensureSecretKey(dir);
    assert.match(a, /^rl_dev_[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(join(dir, '.runlight', 'secret-key')).mode & 0o777, 0o600);
    assert.equal(await ensureSecretKey(dir), a);
  });

  it('gives one key to callers that race for the first one', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => ensureSecretKey(dir)));
    assert.equal(new Set(keys).size, 1);
    assert.equal(readFileSync(join(dir, '.runlight', 'secret-key'), 'utf8').trim(), keys[0]);
  });

  it('keeps a key written before, and tightens its mode', async () => {
    await ensureRunlightDir(dir);
    writeFileSync(join(dir, '.runlight', 'secret-key'), 'rl_dev_mine\n', { mode: 0o644 });
    assert.equal(await ensureSecretKey(dir), 'rl_dev_mine');
    assert.equal(statSync(join(dir, '.runlight', 'secret-key')).mode & 0o777, 0o600);
  });

  it('ignores everything in .runlight/ for git, and leaves an edited .gitignore alone', async () => {
    await ensureSecretKey(dir);
    const file = join(dir, '.runlight', '.gitignore');
    assert.match(readFileSync(file, 'utf8'), /^\*$/m);
    execFileSync('git', ['init', '-q', dir]);
    assert.equal(
      execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=all'], { encoding: 'utf8' }),
      '',
      '`git add .` would take nothing',
    );
    writeFileSync(file, '*\n!notes.md\n');
    await ensureRunlightDir(dir);
    assert.equal(readFileSync(file, 'utf8'), '*\n!notes.md\n');
  });
});
