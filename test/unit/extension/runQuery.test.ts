import assert from 'node:assert/strict';
import type { Run } from '../../../src/protocol/run';
import { matchesQuery, parseRunQuery, queryIsActive, queryTextOf, quoteValue, type RunQuery } from '../../../src/extension/tree/runQuery';
import { makeRun } from './fixtures';

function q(text: string): RunQuery {
  const r = parseRunQuery(text);
  if (!r.ok) throw new Error(`expected "${text}" to parse: ${r.errors.join('; ')}`);
  return r.query;
}

function errors(text: string): string[] {
  const r = parseRunQuery(text);
  assert.equal(r.ok, false, `expected "${text}" to be refused`);
  return r.ok ? [] : r.errors;
}

const ids = (runs: Run[], text: string): string[] => runs.filter((r) => matchesQuery(r, q(text))).map((r) => r.id);

describe('runs filter: parser', () => {
  it('an empty or blank filter is inactive and matches everything', () => {
    for (const text of ['', '   ', '\t\n']) {
      const query = q(text);
      assert.equal(query.text, '');
      assert.equal(queryIsActive(query), false);
      assert.equal(matchesQuery(makeRun(), query), true);
    }
  });

  it('keeps the text as written (trimmed) and reads the keys case-insensitively', () => {
    const query = q('  Status:FAILED  TAG:user:42 task:chat  ');
    assert.equal(query.text, 'Status:FAILED  TAG:user:42 task:chat');
    assert.deepEqual(
      query.clauses.map((c) => [c.key, c.negated, c.values]),
      [
        ['status', false, ['FAILED']],
        ['tag', false, ['user:42']],
        ['task', false, ['chat']],
      ],
    );
  });

  it('reads status lists, status groups, `-`/`_` and the British spelling', () => {
    assert.deepEqual(q('status:failed,crashed').clauses[0]!.values, ['FAILED', 'CRASHED']);
    assert.deepEqual(q('status:timed-out').clauses[0]!.values, ['TIMED_OUT']);
    assert.deepEqual(q('status:cancelled').clauses[0]!.values, ['CANCELED']);
    assert.deepEqual(q('status:running').clauses[0]!.values, ['DEQUEUED', 'EXECUTING']);
    assert.deepEqual(q('status:finished').clauses[0]!.values, ['COMPLETED', 'CANCELED', 'FAILED', 'CRASHED', 'SYSTEM_FAILURE', 'EXPIRED', 'TIMED_OUT']);
    assert.equal(q('status:unfinished').clauses[0]!.values.includes('WAITING'), true);
  });

  it('names every bad token: an unknown status with the statuses there are', () => {
    const [e] = errors('status:nope');
    assert.match(
      e!,
      /^unknown status 'nope'; one of pending_version, queued, dequeued, executing, waiting, completed, canceled, failed, crashed, system_failure, delayed, expired, timed_out \(or running, unfinished, finished\)$/,
    );
    assert.deepEqual(errors('status:failed,nope,zz').length, 2, 'each bad status of a list');
  });

  it('names an unknown key, a key without a value and an unclosed quote', () => {
    assert.match(
      errors('user:42')[0]!,
      /^unknown key 'user' in 'user:42'; the keys are status:, tag:, task:, batch: \(quote text that has a colon: "user:42", or tag:user:42 for a tag\)$/,
    );
    assert.match(errors('tag:')[0]!, /^'tag:' needs a value, e.g\. tag:user:42$/);
    assert.match(errors('status:')[0]!, /needs a value, e.g\. status:failed/);
    assert.match(errors('tag:"needs review')[0]!, /^unterminated quote: the " at character 5 has no closing "$/);
    const all = errors('status:nope foo:bar task:');
    assert.equal(all.length, 3, all.join(' | '));
  });

  it('takes quoted values with spaces, colons and escaped quotes', () => {
    assert.deepEqual(q('tag:"needs review"').clauses[0]!.values, ['needs review']);
    assert.deepEqual(q('"billing:send"').clauses[0], { key: 'text', negated: false, values: ['billing:send'] });
    assert.deepEqual(q('tag:"say \\"hi\\""').clauses[0]!.values, ['say "hi"']);
  });

  it('reads `-token` as an exclusion, and a lone "-" as text', () => {
    assert.deepEqual(q('-status:completed').clauses[0], { key: 'status', negated: true, values: ['COMPLETED'] });
    assert.deepEqual(q('- x').clauses[0], { key: 'text', negated: false, values: ['-'] });
  });

  it('turns the older status/task filter into text that parses back to it', () => {
    const text = queryTextOf(['FAILED', 'TIMED_OUT'], ['chat', 'has space']);
    assert.equal(text, 'status:failed,timed_out task:chat task:"has space"');
    assert.deepEqual(
      q(text).clauses.map((c) => c.values),
      [
        ['FAILED', 'TIMED_OUT'],
        ['chat', 'has space'],
      ],
    );
    assert.equal(quoteValue('-x'), '"-x"');
  });
});

describe('runs filter: matcher', () => {
  const failedChat = makeRun({ taskIdentifier: 'chat', status: 'FAILED', tags: ['user:42', 'env:prod'] });
  const doneChat = makeRun({ taskIdentifier: 'chat', status: 'COMPLETED', tags: ['user:7'] });
  const runningEmail = makeRun({ taskIdentifier: 'email/send', status: 'EXECUTING', tags: ['user:42'], batchId: 'batch_abc' });
  const crashedCritic = makeRun({ taskIdentifier: 'critic', status: 'CRASHED', batchId: 'batch_xyz' });
  const runs = [failedChat, doneChat, runningEmail, crashedCritic];

  it('different keys must all match', () => {
    assert.deepEqual(ids(runs, 'status:failed tag:user:42 task:chat'), [failedChat.id]);
    assert.deepEqual(ids(runs, 'tag:user:42'), [failedChat.id, runningEmail.id]);
    assert.deepEqual(ids(runs, 'tag:user:42 status:running'), [runningEmail.id]);
  });

  it('a status list and several task or batch tokens are alternatives; several tags must all be there', () => {
    assert.deepEqual(ids(runs, 'status:failed,crashed'), [failedChat.id, crashedCritic.id]);
    assert.deepEqual(ids(runs, 'task:critic task:email/send'), [runningEmail.id, crashedCritic.id]);
    assert.deepEqual(ids(runs, 'batch:batch_abc batch:batch_xyz'), [runningEmail.id, crashedCritic.id]);
    assert.deepEqual(ids(runs, 'tag:user:42 tag:env:prod'), [failedChat.id]);
  });

  it('matches exactly, or by prefix with a trailing *', () => {
    assert.deepEqual(ids(runs, 'tag:user'), []);
    assert.deepEqual(ids(runs, 'tag:user:*'), [failedChat.id, doneChat.id, runningEmail.id]);
    assert.deepEqual(ids(runs, 'task:email/*'), [runningEmail.id]);
    assert.deepEqual(ids(runs, 'task:Chat'), [], 'task ids are exact');
  });

  it('free text matches the run id or the task id, case-insensitively; every word must match', () => {
    assert.deepEqual(ids(runs, crashedCritic.id.toUpperCase()), [crashedCritic.id]);
    assert.deepEqual(ids(runs, 'EMAIL'), [runningEmail.id]);
    assert.deepEqual(ids(runs, 'chat run_'), [failedChat.id, doneChat.id]);
    assert.deepEqual(ids(runs, 'chat critic'), []);
  });

  it('excludes what a `-token` matches', () => {
    assert.deepEqual(ids(runs, '-status:completed -task:critic'), [failedChat.id, runningEmail.id]);
    assert.deepEqual(ids(runs, 'tag:user:* -tag:user:42'), [doneChat.id]);
    assert.deepEqual(ids(runs, '-chat'), [runningEmail.id, crashedCritic.id]);
  });

  it('a run without a batch never matches batch:', () => {
    assert.deepEqual(ids(runs, 'batch:*x'), []);
    assert.deepEqual(ids(runs, 'batch:batch_*'), [runningEmail.id, crashedCritic.id]);
  });
});
