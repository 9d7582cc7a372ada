import assert from 'node:assert/strict';
import { foldStack } from '../../../src/shared/stack';

describe('shared: folding a stack trace', () => {
  const stack = [
    'Error: deep',
    '    at inner (/ws/trigger/f.ts:2:26)',
    '    at run (/ws/trigger/f.ts:3:80)',
    '    at Object.run (/ext/src/sdk/task/task.ts:171:31)',
    '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    '    at async attempt (/ext/src/worker/lifecycle.ts:210:7)',
    '    at helper (/ws/node_modules/lib/index.js:1:2)',
    '    at /ws/lib/util.ts:9:1',
  ].join('\n');

  it('links the frames of workspace files and folds each run of the others', () => {
    assert.deepEqual(foldStack(stack, '/ws/'), [
      { kind: 'line', text: 'Error: deep' },
      { kind: 'line', text: '    at inner (/ws/trigger/f.ts:2:26)', location: { file: '/ws/trigger/f.ts', line: 2, column: 26 } },
      { kind: 'line', text: '    at run (/ws/trigger/f.ts:3:80)', location: { file: '/ws/trigger/f.ts', line: 3, column: 80 } },
      {
        kind: 'folded',
        lines: [
          '    at Object.run (/ext/src/sdk/task/task.ts:171:31)',
          '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
          '    at async attempt (/ext/src/worker/lifecycle.ts:210:7)',
          '    at helper (/ws/node_modules/lib/index.js:1:2)',
        ],
      },
      { kind: 'line', text: '    at /ws/lib/util.ts:9:1', location: { file: '/ws/lib/util.ts', line: 9, column: 1 } },
    ]);
  });

  it('links nothing without a workspace, and not a sibling folder that shares the prefix', () => {
    assert.ok(foldStack(stack, undefined).every((p) => p.kind === 'folded' || !p.location));
    assert.ok(foldStack('    at x (/wsx/trigger/f.ts:1:1)', '/ws').every((p) => p.kind === 'folded'));
  });
});
