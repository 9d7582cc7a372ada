import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Run } from '../../src/protocol';
import { makeWorkspace } from '../support/engine';
import { sleep, spawnEngine, waitForTask, type ChildEngine } from './support';

/**
 * Fault: the engine is SIGKILLed while runs are WAITING (a parent in `triggerAndWait` on a child that is still
 * executing, and two runs in `wait.for`). As the README's "Known limits" says, the parked workers stop with the
 * engine, and on the next start a waiting run is retried from the start if attempts remain, else it ends CRASHED.
 * Nothing is lost: metadata set before the kill stays, the child executing at the kill is retried to the end, and the
 * retried parent's `triggerAndWait` calls find the children its lost attempt triggered: the one that had completed
 * returns at once with its output, the other is waited for; no child is triggered twice.
 */
const TASKS: Record<string, string> = {
  'trigger/waiting.ts': `
import { task, wait, metadata } from "@trigger.dev/sdk";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sleeps with a plain timer (not a wait), so it is EXECUTING while its parent waits for it. */
export const kid = task({
  id: "kid",
  retry: { maxAttempts: 2 },
  run: async (p: { ms: number; tag: string }, { ctx }) => {
    await sleep(p.ms);
    return { tag: p.tag, attempt: ctx.attempt.number };
  },
});

/** Marks its attempt in metadata, then waits for a quick kid and a slow one (payloads say which attempt asked). */
export const parent = task({
  id: "parent",
  retry: { maxAttempts: 2 },
  run: async (_p: unknown, { ctx }) => {
    const n = ctx.attempt.number;
    metadata.set("attempt" + n, true);
    await metadata.flush();
    const quick = await kid.triggerAndWait({ ms: 10, tag: "quick-from-attempt-" + n }).unwrap();
    const slow = await kid.triggerAndWait({ ms: 2500, tag: "slow-from-attempt-" + n }).unwrap();
    return { attempt: n, quick, slow };
  },
});

/** Waits 30 s in attempt 1 (the kill comes first), 1 s in a retry. */
export const napRetry = task({
  id: "nap-retry",
  retry: { maxAttempts: 2 },
  run: async (_p: unknown, { ctx }) => {
    const n = ctx.attempt.number;
    metadata.set("attempt" + n, true);
    await metadata.flush();
    await wait.for({ seconds: n === 1 ? 30 : 1 });
    return { attempt: n };
  },
});

export const napOnce = task({
  id: "nap-once",
  retry: { maxAttempts: 1 },
  run: async () => {
    metadata.set("attempt1", true);
    await metadata.flush();
    await wait.for({ seconds: 30 });
    return { woke: true };
  },
});
`,
};

describe('faults: engine killed while runs wait', function () {
  this.timeout(90_000);
  let dir: string;
  const engines: ChildEngine[] = [];

  before(async () => {
    dir = await makeWorkspace(TASKS);
  });
  after(async () => {
    for (const e of engines) await e.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('retries waiting runs with attempts left from the start, crashes the others, and loses nothing', async () => {
    const e1 = await spawnEngine(dir, { workers: 2 });
    engines.push(e1);
    for (const t of ['parent', 'kid', 'nap-retry', 'nap-once']) await waitForTask(e1.client, t);

    const parentId = (await e1.client.trigger('parent', {})).id;
    const napRetryId = (await e1.client.trigger('nap-retry', {})).id;
    const napOnceId = (await e1.client.trigger('nap-once', {})).id;
    const waiting = [parentId, napRetryId, napOnceId];

    // All three WAITING, the parent's quick kid COMPLETED and its slow kid executing (it sleeps 2.5 s).
    let firstKid: Run | undefined;
    for (const until = Date.now() + 30_000; ; await sleep(50)) {
      const runs = await Promise.all(waiting.map((id) => e1.client.retrieveRun(id)));
      const kids = (await e1.client.listRuns({ taskIdentifier: 'kid' })).data;
      firstKid = kids[0];
      if (runs.every((r) => r.status === 'WAITING') && kids.length === 2 && firstKid?.status === 'EXECUTING') break;
      if (Date.now() > until) throw new Error(`runs did not wait: ${runs.map((r) => r.status).join(', ')}; kids ${kids.map((k) => k.status)}`);
    }
    assert.ok(firstKid);
    for (const id of waiting) assert.deepEqual((await e1.client.getMetadata(id)).attempt1, true, `${id}: metadata before the kill`);

    // The engine's workers: the parked ones (one per waiting run), the kid's, and the warm pool.
    const workers = childPids(e1.pid);
    const bundler = workers.filter((w) => w.cmd.includes('esbuild'));
    const pool = workers.filter((w) => !bundler.includes(w));
    assert.ok(pool.length >= 4, `workers before the kill: ${pool.map((w) => w.cmd).join('; ')}`);

    await e1.kill();
    const killedAt = Date.now();
    // Workers exit when their IPC channel to the engine closes; record when each one is gone.
    const goneMs = new Map<number, number>();
    for (const until = Date.now() + 10_000; goneMs.size < workers.length && Date.now() < until; await sleep(20)) {
      for (const w of workers) if (!goneMs.has(w.pid) && !alive(w.pid)) goneMs.set(w.pid, Date.now() - killedAt);
    }
    const left = workers.filter((w) => !goneMs.has(w.pid));
    assert.deepEqual(left, [], `child processes still alive 10 s after the engine's kill`);
    const span = (ws: typeof workers) =>
      `${ws.length} gone ${Math.min(...ws.map((w) => goneMs.get(w.pid)!))}–${Math.max(...ws.map((w) => goneMs.get(w.pid)!))} ms`;
    const workersGone = `workers ${span(pool)}` + (bundler.length ? `, bundler ${span(bundler)}` : '');

    const startedAt = Date.now();
    const e2 = await spawnEngine(dir, { workers: 2 });
    engines.push(e2);
    const c = e2.client;
    const ids = [...waiting, firstKid.id];
    const finals = new Map<string, Run>();
    for (const until = Date.now() + 40_000; finals.size < ids.length; await sleep(50)) {
      for (const id of ids) {
        if (finals.has(id)) continue;
        const r = await c.retrieveRun(id);
        if (r.isCompleted || r.isCancelled || ['CRASHED', 'SYSTEM_FAILURE', 'EXPIRED', 'TIMED_OUT'].includes(r.status)) finals.set(id, r);
      }
      if (Date.now() > until) throw new Error(`not terminal 40 s after the restart: ${ids.filter((id) => !finals.has(id)).join(', ')}`);
    }
    const terminalMs = Date.now() - startedAt;

    const parent = finals.get(parentId)!;
    const napRetry = finals.get(napRetryId)!;
    const napOnce = finals.get(napOnceId)!;
    const kid1 = finals.get(firstKid.id)!;
    const show = (r: Run) => `${r.status} attempt ${r.attemptCount} ${JSON.stringify(r.error ?? r.output)}`;

    // Retried from the start: attempt 2 set its own metadata mark, and attempt 1's is still there.
    assert.equal(parent.status, 'COMPLETED', `parent: ${show(parent)}`);
    assert.equal(parent.attemptCount, 2);
    assert.equal(napRetry.status, 'COMPLETED', `nap-retry: ${show(napRetry)}`);
    assert.equal(napRetry.attemptCount, 2);
    assert.deepEqual(napRetry.output, { attempt: 2 });
    for (const r of [parent, napRetry]) {
      assert.deepEqual(await c.getMetadata(r.id), { attempt1: true, attempt2: true }, `${r.taskIdentifier}: metadata`);
    }

    // No attempts left: CRASHED, saying why.
    assert.equal(napOnce.status, 'CRASHED', `nap-once: ${show(napOnce)}`);
    assert.equal(napOnce.attemptCount, 1);
    assert.equal(napOnce.error?.name, 'EngineStopped');
    assert.match(napOnce.error?.message ?? '', /engine\b.*\bstopped.*no attempts remain/i);
    assert.deepEqual(await c.getMetadata(napOnceId), { attempt1: true });

    // The slow kid executing at the kill was retried to the end. The retried parent got both kids its lost attempt had
    // triggered: the quick one's output at once, the slow one's when it ended; it triggered none of its own.
    assert.equal(kid1.status, 'COMPLETED', `slow kid: ${show(kid1)}`);
    assert.equal(kid1.attemptCount, 2);
    assert.deepEqual(kid1.output, { tag: 'slow-from-attempt-1', attempt: 2 });
    assert.deepEqual(parent.output, { attempt: 2, quick: { tag: 'quick-from-attempt-1', attempt: 1 }, slow: { tag: 'slow-from-attempt-1', attempt: 2 } });
    const kids = (await c.listRuns({ taskIdentifier: 'kid' })).data;
    assert.equal(kids.length, 2, 'no kid was triggered twice');
    assert.ok(kids.every((k) => k.status === 'COMPLETED'));

    // Nothing is left waiting or executing.
    const open = (await c.listRuns({ status: ['QUEUED', 'DEQUEUED', 'EXECUTING', 'WAITING'] })).data;
    assert.deepEqual(
      open.map((r) => `${r.taskIdentifier} ${r.status}`),
      [],
    );

    console.log(
      `faults[waiting-kill]: waiting at kill=3 (+1 kid executing), ` +
        `child processes at the kill: ${workersGone} after it, all terminal ${terminalMs} ms after the new engine's start ` +
        `(parent ${show(parent)}; nap-retry ${show(napRetry)}; nap-once ${napOnce.status}; first kid ${show(kid1)})`,
    );
  });
});

/** The engine's child processes (its workers). */
function childPids(pid: number): { pid: number; cmd: string }[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({ pid: Number(m[1]), cmd: m[2]! }));
}

/** Whether a process runs (a zombie left unreaped by its new parent counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
