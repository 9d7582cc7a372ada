import assert from 'node:assert/strict';
import { type RunStatus } from '../../../src/protocol/run';
import { RUN_STATUSES, STATUS_LOOK, isCancelable, mostSevere, statusLook } from '../../../src/shared/status';

describe('status → icon table', () => {
  it('has a codicon, a label and a testing.* colour for all 13 statuses', () => {
    for (const s of RUN_STATUSES) {
      const look = STATUS_LOOK[s];
      assert.ok(look, s);
      assert.match(look.codicon, /^[a-z-]+(~spin)?$/, s);
      assert.ok(look.label.length > 0, s);
      assert.match(look.color ?? '', /^testing\./, s);
    }
  });

  it('maps statuses to the codicons the issue names', () => {
    const want: Partial<Record<RunStatus, string>> = {
      EXECUTING: 'loading~spin',
      COMPLETED: 'pass',
      FAILED: 'error',
      CRASHED: 'error',
      SYSTEM_FAILURE: 'error',
      CANCELED: 'circle-slash',
      TIMED_OUT: 'watch',
      EXPIRED: 'watch',
      QUEUED: 'history',
      DELAYED: 'clock',
      WAITING: 'debug-pause',
    };
    for (const [s, icon] of Object.entries(want)) assert.equal(statusLook(s as RunStatus).codicon, icon, s);
    assert.equal(statusLook('COMPLETED').color, 'testing.iconPassed');
    assert.equal(statusLook('FAILED').color, 'testing.iconFailed');
    assert.equal(statusLook('CANCELED').color, 'testing.iconSkipped');
  });

  it('picks the most severe status of a group', () => {
    assert.equal(mostSevere([]), undefined);
    assert.equal(mostSevere(['COMPLETED', 'EXECUTING', 'COMPLETED']), 'EXECUTING');
    assert.equal(mostSevere(['EXECUTING', 'FAILED', 'TIMED_OUT']), 'FAILED');
    assert.equal(mostSevere(['COMPLETED', 'CANCELED']), 'CANCELED');
    assert.equal(mostSevere(['COMPLETED', 'TIMED_OUT', 'QUEUED']), 'TIMED_OUT');
  });

  it('knows which statuses can be cancelled', () => {
    assert.deepEqual(RUN_STATUSES.filter(isCancelable), ['PENDING_VERSION', 'QUEUED', 'DEQUEUED', 'EXECUTING', 'WAITING', 'DELAYED']);
  });
});
