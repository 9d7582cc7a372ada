import assert from 'node:assert/strict';
import { debugConfiguration } from '../../../src/extension/debug/debugConfig';

describe('extension: the debug configuration of a debug run', () => {
  it("attaches the JavaScript debugger to the inspector on 127.0.0.1 with the task bundles' source maps", () => {
    const c = debugConfiguration('chat', 'run_1', { host: '127.0.0.1', port: 40123 }, '/ws/app/', '/ext/dist');
    assert.equal(c.type, 'node');
    assert.equal(c.request, 'attach');
    assert.equal(c.name, 'Runlight: chat');
    assert.equal(c.address, '127.0.0.1');
    assert.equal(c.port, 40123);
    assert.equal(c.sourceMaps, true);
    assert.deepEqual(c.outFiles, ['/ws/app/.runlight/build/**/*.cjs']);
    assert.deepEqual(c.resolveSourceMapLocations, ['/ws/app/**', '!**/node_modules/**']);
    assert.deepEqual(c.skipFiles, ['<node_internals>/**', '/ext/dist/**']);
    assert.equal(c.runlightRunId, 'run_1');
  });

  it('writes Windows folders as globs with forward slashes', () => {
    const c = debugConfiguration('a', 'run_2', { host: '127.0.0.1', port: 1 }, 'C:\\work\\app');
    assert.deepEqual(c.outFiles, ['C:/work/app/.runlight/build/**/*.cjs']);
    assert.deepEqual(c.skipFiles, ['<node_internals>/**']);
  });
});
