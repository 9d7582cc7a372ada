// The workspace's dotenv files, in trigger dev's order.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadWorkspaceEnv } from '../../../../src/engine/tasks';
import { workspaces } from './support';

describe('workspace dotenv files', function () {
  const w = workspaces({ worker: false });

  it('reads .env, .env.development, .env.local, .env.development.local: the first file that sets a variable wins', () => {
    const dir = w.ws({
      '.env': 'A=env\nTRIGGER_SECRET_KEY=tr_dev_cloud\nTRIGGER_API_URL=https://example.invalid\n',
      '.env.development': 'A=development\nB=development\n',
      '.env.local': 'B=local\nC=local\n',
      '.env.development.local': 'C=development.local\nD=development.local\n',
    });
    assert.deepEqual(loadWorkspaceEnv(dir), { A: 'env', B: 'development', C: 'local', D: 'development.local' });
    rmSync(join(dir, '.env'));
    assert.deepEqual(loadWorkspaceEnv(dir), { A: 'development', B: 'development', C: 'local', D: 'development.local' });
    assert.deepEqual(loadWorkspaceEnv(w.ws({ '.env.local': 'constructor=x\n' })), { constructor: 'x' });
  });
});
