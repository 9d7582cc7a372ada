import assert from 'node:assert/strict';
import { workspaceFile } from '../../../src/extension/panel/sourcePath';
import { foldedLabel } from '../../../src/webview/views/error';

describe('run panel: the files a stack link may open', () => {
  it('opens only absolute paths inside a workspace folder', () => {
    assert.equal(workspaceFile('/ws/trigger/f.ts', ['/ws']), '/ws/trigger/f.ts');
    assert.equal(workspaceFile('/ws/trigger/../lib/x.ts', ['/other', '/ws/']), '/ws/lib/x.ts');
    assert.equal(workspaceFile('/ws/../etc/passwd', ['/ws']), undefined);
    assert.equal(workspaceFile('/wsx/f.ts', ['/ws']), undefined);
    assert.equal(workspaceFile('trigger/f.ts', ['/ws']), undefined);
    assert.equal(workspaceFile('/ws', ['/ws']), undefined);
  });

  it('labels folded frames', () => {
    assert.equal(foldedLabel(1), '1 internal frame');
    assert.equal(foldedLabel(9), '9 internal frames');
  });
});
