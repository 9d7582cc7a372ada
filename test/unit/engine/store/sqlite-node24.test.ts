import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { vscodeHost } from '../../../harness/src/paths';
import { nodeSqliteModule } from '../../../../src/engine/store/sqlite/driver';

/**
 * The store on node:sqlite, which Node 20 lacks: sqlite.test.ts's node:sqlite suites (conformance, crashes and
 * locks) run on the Node 24 the test harness installs for the current VS Code host, as that host's engine does.
 */
describe('SQLite store on node:sqlite (Node 24)', function () {
  this.timeout(300_000);

  it('passes the store conformance and crash suites on node:sqlite', async function () {
    if (nodeSqliteModule()) this.skip(); // This runtime has node:sqlite: sqlite.test.ts runs those suites itself.
    const node = vscodeHost('current').node;
    if (!existsSync(node)) this.skip(); // npm run harness:install installs it (npm test does).
    const root = join(__dirname, '..', '..', '..', '..');
    const mocha = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
    const args = [mocha, '--no-config', '-n', 'import=tsx', '--timeout', '30000', '--exit', '--grep', 'node:sqlite', 'test/unit/engine/store/sqlite.test.ts'];
    const child = spawn(node, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const passing = /(\d+) passing/.exec(out);
    assert.equal(code, 0, `mocha on Node 24 exited ${code}:\n${out.slice(-6000)}`);
    assert.ok(passing && Number(passing[1]) >= 40, `expected the node:sqlite suites to run:\n${out.slice(-3000)}`);
  });
});
