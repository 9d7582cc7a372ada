// Debug runs on a real engine (SQLite, a real forked worker): the run's worker opens its inspector on 127.0.0.1 and
// waits for a debugger; a breakpoint set through the Chrome DevTools Protocol on a line of the task's TypeScript
// file (found through the bundle's source map) stops there; resumed, the run completes. Bad requests name the field.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EngineApiError } from '../../../src/client/errors';
import { Cdp } from '../../support/cdp';
import { followRun, startTestEngine, waitFor, type TestEngine } from '../../support/engine';
import { debugNodeOptions } from '../../../src/engine/exec/debug-workers';
import { generatedFor, inlineMappings, originalFor } from '../../support/sourcemap';

const TASK = `import { task } from "@trigger.dev/sdk";

export const debugMe = task({
  id: "debug-me",
  run: async (payload: { n: number }) => {
    const doubled = payload.n * 2;
    const label = \`n=\${payload.n}\`;
    return { doubled, label };
  },
});
`;
/** 0-based line of `const label = …` in TASK: the breakpoint's line. */
const BREAK_LINE = TASK.split('\n').findIndex((l) => l.includes('const label'));

async function refusal(p: Promise<unknown>): Promise<EngineApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EngineApiError) return e;
    throw e;
  }
  assert.fail('the request was accepted');
}

/** Resolves once nothing answers on a debug worker's inspector any more (the worker stopped); bounded. */
const workerStopped = (url: string): Promise<true> =>
  waitFor(
    async () =>
      Cdp.connect(url).then(
        (c) => (c.close(), undefined),
        () => true as const,
      ),
    10_000,
    'the debug worker to stop',
  );

describe('engine: debug runs (inspector on a worker of their own)', function () {
  this.timeout(120_000);
  let t: TestEngine;

  before(async () => {
    t = await startTestEngine({ 'trigger/debug-me.ts': TASK }, { workers: 1 });
    // The first build is done before the figures below are taken.
    await t.client.listTasks();
  });
  after(async () => {
    await t?.close();
  });

  it('stops at a breakpoint on a line of the TypeScript task file, and the run completes once resumed', async () => {
    const started = Date.now();
    const { id, inspector } = await t.client.debugTask('debug-me', { payload: { n: 21 } });
    assert.equal(inspector.host, '127.0.0.1');
    assert.match(inspector.url, new RegExp(`^ws://127\\.0\\.0\\.1:${inspector.port}/`));
    const answered = Date.now();

    const bundle = join(t.dir, '.runlight', 'build', 'trigger', 'debug-me.ts.cjs');
    const mappings = inlineMappings(bundle);
    const source = join(t.dir, 'trigger', 'debug-me.ts');
    const at = generatedFor(mappings, source, BREAK_LINE);

    const cdp = await Cdp.connect(inspector.url);
    try {
      await cdp.send('Runtime.enable');
      await cdp.send('Debugger.enable');
      const bp = await cdp.send('Debugger.setBreakpointByUrl', { urlRegex: 'debug-me\\.ts\\.cjs$', lineNumber: at.genLine, columnNumber: at.genCol });
      assert.ok(bp.breakpointId);
      // Until now the worker waited: the run has not started its task.
      assert.equal((await t.client.retrieveRun(id)).output, undefined);
      await cdp.send('Runtime.runIfWaitingForDebugger');
      const attached = Date.now();

      const paused = await cdp.next('Debugger.paused', 30_000);
      const pausedAt = Date.now();
      const frames = paused.params.callFrames as { callFrameId: string; location: { lineNumber: number; columnNumber: number } }[];
      const top = frames[0]!;
      const original = originalFor(mappings, top.location.lineNumber, top.location.columnNumber);
      assert.equal(original?.source, source);
      assert.equal(original?.line, BREAK_LINE, `paused at ${source}:${(original?.line ?? -2) + 1}, not at line ${BREAK_LINE + 1}`);
      // The task's own variables are there: `doubled` was computed, `label` not yet.
      const seen = await cdp.send('Debugger.evaluateOnCallFrame', { callFrameId: top.callFrameId, expression: 'doubled', returnByValue: true });
      assert.equal((seen.result as { value: unknown }).value, 42);
      assert.equal((await t.client.retrieveRun(id)).status, 'EXECUTING');

      // Not awaited: the run may end, and its worker with it, before the answer to `resume` is on its way.
      void cdp.send('Debugger.resume').catch(() => undefined);
      const runs = await followRun(t.client, id, 30_000);
      const last = runs.at(-1)!;
      assert.equal(last.status, 'COMPLETED');
      assert.deepEqual(last.output, { doubled: 42, label: 'n=21' });
      console.log(
        `      debug run: trigger answered in ${answered - started} ms; debugger attached ${attached - started} ms, ` +
          `paused at the breakpoint ${pausedAt - started} ms after the trigger`,
      );
    } finally {
      cdp.close();
    }
    // The run's worker is stopped after the run: its inspector no longer answers.
    await workerStopped(inspector.url);
  });

  it('fails the run with a clear error when no debugger attaches in time', async () => {
    const { id, inspector } = await t.client.debugTask('debug-me', { payload: { n: 1 }, waitForDebuggerMs: 1000 });
    const last = (await followRun(t.client, id, 30_000)).at(-1)!;
    assert.equal(last.status, 'FAILED');
    assert.equal(last.error?.name, 'DebuggerNotAttached');
    assert.match(last.error?.message ?? '', /No debugger attached/);
    assert.ok(last.error?.message.includes(inspector.url));
  });

  it('cancelled while it waits for a debugger: CANCELED, and its worker stops at once', async () => {
    const { id, inspector } = await t.client.debugTask('debug-me', { payload: { n: 3 } });
    await waitFor(async () => ((await t.client.retrieveRun(id)).status === 'EXECUTING' ? true : undefined), 20_000, 'the run to be claimed');
    await t.client.cancelRun(id);
    const last = (await followRun(t.client, id, 20_000)).at(-1)!;
    assert.equal(last.status, 'CANCELED');
    assert.equal(last.output, undefined);
    await workerStopped(inspector.url);
  });

  it('runlight trigger TASK --debug prints the inspector URL, waits for a debugger, then follows the run to its end', async () => {
    const { triggerCommand } = await import('../../../src/cli/commands/trigger');
    let out = '';
    const ctx = {
      out: (text: string) => void (out += text),
      err: (text: string) => void (out += text),
      env: { RUNLIGHT_API_URL: t.url, RUNLIGHT_SECRET_KEY: t.key },
      cwd: t.dir,
      stdoutIsTTY: false,
      onSignal: () => () => undefined,
    };
    const exit = triggerCommand({ kind: 'trigger', dir: t.dir, task: 'debug-me', payload: { n: 4 }, tags: [], watch: false, debug: true }, ctx);
    const url = await waitFor(() => /Debugger: (ws:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(out)?.[1], 20_000, 'the inspector URL');
    assert.match(out, /^run_\w+\n/);
    assert.match(out, /Waiting 60 s for a debugger to attach to 127\.0\.0\.1:\d+/);
    const cdp = await Cdp.connect(url);
    try {
      await cdp.send('Runtime.runIfWaitingForDebugger');
      assert.equal(await exit, 0);
    } finally {
      cdp.close();
    }
    assert.match(out, /COMPLETED/);
    assert.match(out, /"doubled":8/);
  });

  it('still runs normal triggers on the pool', async () => {
    const { id } = await t.client.trigger('debug-me', { n: 5 });
    const last = (await followRun(t.client, id, 30_000)).at(-1)!;
    assert.equal(last.status, 'COMPLETED');
    assert.deepEqual(last.output, { doubled: 10, label: 'n=5' });
  });

  it('refuses to debug a task the workspace does not have, naming it', async () => {
    const e = await refusal(t.client.debugTask('no-such-task', { payload: {} }));
    assert.equal(e.status, 404);
    assert.match(e.message, /Task "no-such-task" was not found in this workspace/);
  });

  it('names the field of a bad debug request', async () => {
    const wait = await refusal(t.client.debugTask('debug-me', { waitForDebuggerMs: 5 }));
    assert.equal(wait.status, 422);
    assert.match(wait.message, /^body\.waitForDebuggerMs: /);
    const delay = await refusal(t.client.debugTask('debug-me', { options: { delay: '1m' } }));
    assert.equal(delay.status, 422);
    assert.match(delay.message, /^body\.options\.delay: not allowed \(a debug run is a new run that starts at once\)/);
    const key = await refusal(t.client.debugTask('debug-me', { options: { idempotencyKey: 'k' } }));
    assert.match(key.message, /^body\.options\.idempotencyKey: /);
  });

  it('needs the secret key: a public access token may not start a debug run', async () => {
    const { EngineClient } = await import('../../../src/client');
    const pat = await t.client.createPublicToken(['trigger:tasks:debug-me']);
    const e = await refusal(new EngineClient({ baseURL: t.url, accessToken: pat }).debugTask('debug-me', {}));
    assert.equal(e.status, 403);
    assert.match(e.message, /needs the secret key/);
  });
});

describe("engine: a debug worker's NODE_OPTIONS", () => {
  it('drops the inspector and profiler options an auto-attaching debugger or a profile run left, keeps the rest', () => {
    assert.equal(
      debugNodeOptions('--require /x/bootloader.js --inspect=9229 --inspect-brk --inspect-port=0 --cpu-prof --cpu-prof-dir=/tmp --max-old-space-size=100'),
      '--require /x/bootloader.js --max-old-space-size=100',
    );
    assert.equal(debugNodeOptions('--inspect'), undefined);
    assert.equal(debugNodeOptions(undefined), undefined);
  });
});
