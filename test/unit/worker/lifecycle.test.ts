// The attempt lifecycle in process (src/worker/lifecycle.ts): the order of the hooks, their arguments, locals,
// catchError's retry decisions, hooks that throw, and the wait/resume calls the wait code makes.
import assert from 'node:assert/strict';
import { locals, task, tasks, AbortTaskRunError } from '../../../src/sdk';
import { collectTasks, type TaskDefinition } from '../../../src/sdk/task/registry';
import type { HookSet } from '../../../src/sdk/task/hookSet';
import { AttemptRuntime, type LogLevel, type RuntimeTransport } from '../../../src/sdk/task/runtime';
import { startLifecycle, type AttemptLifecycle, type LifecycleOutcome } from '../../../src/worker/lifecycle';
import { isRetryable } from '../../../src/worker/errors';

class Transport implements RuntimeTransport {
  lines: Array<{ level: LogLevel; message: string }> = [];
  async sendMetadata(): Promise<void> {}
  async sendChunks(): Promise<void> {}
  async sendTags(): Promise<void> {}
  log(level: LogLevel, message: string): void {
    this.lines.push({ level, message });
  }
}

/** Loads task definitions like a bundle: tasks and the global hooks registered meanwhile. */
function bundle(define: () => void): { defs: Map<string, TaskDefinition>; hooks: HookSet } {
  const { tasks: list, hooks } = collectTasks(define);
  return { defs: new Map(list.map((d) => [d.id, d])), hooks };
}

interface Run {
  lifecycle: AttemptLifecycle;
  runtime: AttemptRuntime;
  transport: Transport;
  abort: AbortController;
  stop(reason: Error): void;
}

function start(b: ReturnType<typeof bundle>, id: string, o: { attempt?: number; maxAttempts?: number; payload?: unknown } = {}): Run {
  const transport = new Transport();
  const runtime = new AttemptRuntime({
    ctx: {
      run: { id: 'run_x', tags: [], isTest: false },
      attempt: { id: 'attempt_x', number: o.attempt ?? 1 },
      task: { id },
      queue: { id: `task/${id}`, name: `task/${id}` },
      environment: { id: 'local', slug: 'dev', type: 'DEVELOPMENT' },
      machine: { name: 'local' },
    },
    transport,
    metadata: {},
  });
  const abort = new AbortController();
  let stopped = false;
  const lifecycle = startLifecycle({
    def: b.defs.get(id)!,
    globals: [b.hooks],
    runtime,
    payload: o.payload ?? { n: 1 },
    signal: abort.signal,
    attempt: o.attempt ?? 1,
    maxAttempts: o.maxAttempts ?? 3,
    stopped: () => stopped,
    serialize: (x) => JSON.parse(JSON.stringify(x ?? null)) as unknown,
    isRetryable,
  });
  return {
    lifecycle,
    runtime,
    transport,
    abort,
    stop(reason) {
      stopped = true;
      abort.abort(reason);
      void lifecycle.cancel();
    },
  };
}

/** A bundle whose every hook, global and per task, appends to `trail`; `fail` makes run throw on those attempts. */
function tracedBundle(trail: string[], fail: { attempts: number[] } = { attempts: [] }) {
  const note = (s: string) => (): void => {
    trail.push(s);
  };
  return bundle(() => {
    tasks.middleware('g', async ({ next }) => {
      trail.push('middleware:global');
      await next();
      trail.push('middleware:global:after');
    });
    tasks.onStart('g', note('onStart:global'));
    tasks.onStartAttempt('g', note('onStartAttempt:global'));
    tasks.onSuccess('g', note('onSuccess:global'));
    tasks.onFailure('g', note('onFailure:global'));
    tasks.onComplete('g', note('onComplete:global'));
    tasks.onCancel('g', note('onCancel:global'));
    tasks.catchError('g', note('catchError:global'));
    task({
      id: 'traced',
      middleware: async ({ next }) => {
        trail.push('middleware:task');
        await next();
        trail.push('middleware:task:after');
      },
      init: note('init:task'),
      onStart: note('onStart:task'),
      onStartAttempt: note('onStartAttempt:task'),
      onSuccess: note('onSuccess:task'),
      onFailure: note('onFailure:task'),
      onComplete: note('onComplete:task'),
      onCancel: note('onCancel:task'),
      catchError: note('catchError:task'),
      cleanup: note('cleanup:task'),
      run: async (_p: unknown, { ctx, signal }) => {
        trail.push('run');
        if (fail.attempts.includes(ctx.attempt.number)) throw new Error(`attempt ${ctx.attempt.number} fails`);
        if (ctx.run.tags.includes('wait-for-signal')) await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
        return 'ok';
      },
    });
  });
}

const BEFORE = ['middleware:global', 'middleware:task', 'init:task'];
const AFTER = ['cleanup:task', 'middleware:task:after', 'middleware:global:after'];

describe('attempt lifecycle hooks (in process)', () => {
  it('call the hooks in Trigger.dev v4 order: success; failure → retry → success; last failure; cancel', async () => {
    const table: Array<{ name: string; attempts: Array<{ attempt: number; trail: string[]; ok: boolean; retry?: boolean }> }> = [
      {
        name: 'success on the first attempt',
        attempts: [
          {
            attempt: 1,
            ok: true,
            trail: [
              ...BEFORE,
              'onStart:global',
              'onStart:task',
              'onStartAttempt:global',
              'onStartAttempt:task',
              'run',
              'onSuccess:global',
              'onSuccess:task',
              'onComplete:global',
              'onComplete:task',
              ...AFTER,
            ],
          },
        ],
      },
      {
        name: 'failure, retry, success',
        attempts: [
          {
            attempt: 1,
            ok: false,
            retry: true,
            // catchError: the task's first, then the global ones; no onFailure / onComplete on an attempt that is retried
            trail: [
              ...BEFORE,
              'onStart:global',
              'onStart:task',
              'onStartAttempt:global',
              'onStartAttempt:task',
              'run',
              'catchError:task',
              'catchError:global',
              ...AFTER,
            ],
          },
          {
            attempt: 2,
            ok: true,
            // onStart only before the first attempt
            trail: [
              ...BEFORE,
              'onStartAttempt:global',
              'onStartAttempt:task',
              'run',
              'onSuccess:global',
              'onSuccess:task',
              'onComplete:global',
              'onComplete:task',
              ...AFTER,
            ],
          },
        ],
      },
      {
        name: 'failure on the last attempt',
        attempts: [
          {
            attempt: 3,
            ok: false,
            retry: false,
            trail: [
              ...BEFORE,
              'onStartAttempt:global',
              'onStartAttempt:task',
              'run',
              'catchError:task',
              'catchError:global',
              'onFailure:global',
              'onFailure:task',
              'onComplete:global',
              'onComplete:task',
              ...AFTER,
            ],
          },
        ],
      },
    ];
    for (const row of table) {
      for (const step of row.attempts) {
        const trail: string[] = [];
        const b = tracedBundle(trail, { attempts: row.name === 'success on the first attempt' ? [] : [1, 3] });
        const outcome = await start(b, 'traced', { attempt: step.attempt, maxAttempts: 3 }).lifecycle.outcome;
        assert.deepEqual(trail, step.trail, `${row.name}, attempt ${step.attempt}`);
        assert.equal(outcome.ok, step.ok, `${row.name}, attempt ${step.attempt}`);
        if (!outcome.ok) assert.equal(outcome.retry.retry, step.retry, `${row.name}, attempt ${step.attempt}`);
      }
    }

    // Cancel: onCancel (global, then the task's) once the signal is aborted; no outcome hooks after a stop.
    const trail: string[] = [];
    const b = tracedBundle(trail);
    const r = start(b, 'traced');
    (r.runtime.ctx.run.tags as string[]).push('wait-for-signal');
    await new Promise((res) => setTimeout(res, 20));
    r.stop(Object.assign(new Error('The run was cancelled'), { name: 'AbortError' }));
    const outcome = await r.lifecycle.outcome;
    assert.equal(outcome.ok, true);
    assert.deepEqual(trail, [
      ...BEFORE,
      'onStart:global',
      'onStart:task',
      'onStartAttempt:global',
      'onStartAttempt:task',
      'run',
      'onCancel:global',
      'onCancel:task',
      ...AFTER,
    ]);
  });

  it('pass the v4 object-form arguments (payload, ctx, task, signal, init, output, error, result, runPromise)', async () => {
    const seen: Record<string, Record<string, unknown>> = {};
    const keep = (name: string) => (p: object) => void (seen[name] = { ...p });
    const b = bundle(() => {
      tasks.onSuccess(keep('onSuccess:global'));
      task({
        id: 'args',
        init: () => ({ fromInit: 1 }),
        onStart: keep('onStart'),
        onSuccess: keep('onSuccess'),
        onComplete: keep('onComplete'),
        cleanup: keep('cleanup'),
        run: async (payload: { n: number }, { init }) => ({ doubled: payload.n * 2, init }),
      });
    });
    const r = start(b, 'args', { payload: { n: 21 } });
    const outcome = await r.lifecycle.outcome;
    assert.deepEqual(outcome, { ok: true, output: { doubled: 42, init: { fromInit: 1 } } });
    for (const name of ['onStart', 'onSuccess', 'onSuccess:global', 'onComplete', 'cleanup']) {
      assert.deepEqual(seen[name]!.payload, { n: 21 }, name);
      assert.equal(seen[name]!.task, 'args', name);
      assert.equal(seen[name]!.ctx, r.runtime.ctx, name);
      assert.equal(seen[name]!.signal, r.abort.signal, name);
    }
    assert.deepEqual(seen.onStart!.init, { fromInit: 1 });
    assert.deepEqual(seen.onSuccess!.output, { doubled: 42, init: { fromInit: 1 } });
    assert.deepEqual(seen.onComplete!.result, { ok: true, data: { doubled: 42, init: { fromInit: 1 } } });

    const failed: Record<string, Record<string, unknown>> = {};
    const b2 = bundle(() => {
      task({
        id: 'fails',
        onFailure: (p) => void (failed.onFailure = { ...p }),
        onComplete: (p) => void (failed.onComplete = { ...p }),
        catchError: (p) => void (failed.catchError = { ...p }),
        retry: { maxAttempts: 2 },
        run: async () => {
          throw new Error('nope');
        },
      });
    });
    const o1 = await start(b2, 'fails', { attempt: 1, maxAttempts: 2 }).lifecycle.outcome;
    assert.deepEqual(o1.ok ? undefined : o1.retry, { retry: true });
    assert.equal(failed.catchError!.retryDelayInMs, 1000);
    assert.ok(failed.catchError!.retryAt instanceof Date);
    assert.deepEqual(failed.catchError!.retry, { maxAttempts: 2 });
    assert.equal(failed.onFailure, undefined, 'no onFailure before the last attempt');
    await start(b2, 'fails', { attempt: 2, maxAttempts: 2 }).lifecycle.outcome;
    assert.equal(failed.catchError!.retryDelayInMs, undefined, 'no retry left');
    assert.equal((failed.onFailure!.error as Error).message, 'nope');
    assert.equal((failed.onComplete!.result as { ok: boolean }).ok, false);
  });

  it('shares locals set in global middleware, task middleware and init with run and the other hooks', async () => {
    const db = locals.create<{ name: string }>('db');
    const user = locals.create<string>('user');
    const b = bundle(() => {
      tasks.middleware('db', async ({ next }) => {
        locals.set(db, { name: 'main' });
        await next();
      });
      task({
        id: 'uses-locals',
        middleware: async ({ next }) => {
          locals.set(user, `${locals.getOrThrow(db).name}:ada`);
          await next();
        },
        init: () => {
          locals.set(user, `${locals.get(user)}:init`);
        },
        run: async () => ({ db: locals.getOrThrow(db).name, user: locals.get(user) }),
      });
    });
    assert.deepEqual(await start(b, 'uses-locals').lifecycle.outcome, { ok: true, output: { db: 'main', user: 'main:ada:init' } });
    // Each attempt has its own locals; outside a task there are none.
    assert.equal(locals.get(db), undefined);
    assert.throws(() => locals.getOrThrow(db), /Local with id db not found/);
  });

  it('catchError can skip retrying, set the retry time, or replace the error', async () => {
    const cases: Array<{ result: unknown; expect: (o: LifecycleOutcome) => void }> = [
      { result: { skipRetrying: true }, expect: (o) => assert.deepEqual(!o.ok && o.retry, { retry: false }) },
      { result: { skipRetrying: true, retryDelayInMs: 10 }, expect: (o) => assert.deepEqual(!o.ok && o.retry, { retry: false }) },
      { result: { retryDelayInMs: 1234 }, expect: (o) => assert.deepEqual(!o.ok && o.retry, { retry: true, delayMs: 1234 }) },
      {
        result: { retryAt: new Date(Date.now() + 5000) },
        expect: (o) => {
          const d = !o.ok && o.retry.retry ? o.retry.delayMs! : -1;
          assert.ok(d > 4500 && d <= 5000, String(d));
        },
      },
      {
        result: { retry: { minTimeoutInMs: 50, factor: 1, randomize: false, maxAttempts: 5 } },
        expect: (o) => assert.deepEqual(!o.ok && o.retry, { retry: true, delayMs: 50 }),
      },
      {
        result: { error: new Error('replaced'), retryDelayInMs: 10 },
        expect: (o) => assert.equal(!o.ok && (o.error as Error).message, 'replaced'),
      },
      // Returning something without a retry time fails the run (upstream's "noop").
      { result: { error: new Error('only an error') }, expect: (o) => assert.deepEqual(!o.ok && o.retry, { retry: false }) },
      // Returning nothing keeps the default: retried while attempts remain.
      { result: undefined, expect: (o) => assert.deepEqual(!o.ok && o.retry, { retry: true }) },
    ];
    for (const c of cases) {
      const failures: unknown[] = [];
      const b = bundle(() => {
        task({
          id: 'catches',
          catchError: () => c.result as never,
          onFailure: ({ error }) => void failures.push(error),
          run: async () => {
            throw new Error('boom');
          },
        });
      });
      const o = await start(b, 'catches', { attempt: 1, maxAttempts: 3 }).lifecycle.outcome;
      assert.equal(o.ok, false);
      c.expect(o);
      assert.equal(failures.length, !o.ok && !o.retry.retry ? 1 : 0, 'onFailure runs when the run will not be retried');
    }
    // A global catchError answers when the task has none, or when the task's returns nothing.
    const b = bundle(() => {
      tasks.catchError(() => ({ skipRetrying: true }));
      task({ id: 'global-catch', catchError: () => undefined, run: () => Promise.reject(new Error('x')) });
    });
    assert.deepEqual(((await start(b, 'global-catch').lifecycle.outcome) as { retry: unknown }).retry, { retry: false });
    // AbortTaskRunError is never retried and never reaches catchError.
    let called = false;
    const b2 = bundle(() => {
      task({
        id: 'aborts',
        catchError: () => void (called = true),
        run: () => Promise.reject(new AbortTaskRunError('stop')),
      });
    });
    assert.deepEqual(((await start(b2, 'aborts').lifecycle.outcome) as { retry: unknown }).retry, { retry: false });
    assert.equal(called, false);
  });

  it('treat a hook that throws as upstream does', async () => {
    const boom = (): never => {
      throw new Error('hook boom');
    };
    const rows: Array<{ hook: string; ok: boolean; retry?: boolean; catchError: boolean; onFailure?: boolean }> = [
      // like an error of run: through catchError, retried while attempts remain
      { hook: 'init', ok: false, retry: true, catchError: true },
      { hook: 'onStart', ok: false, retry: true, catchError: true },
      { hook: 'onStartAttempt', ok: false, retry: true, catchError: true },
      // ignored (logged)
      { hook: 'onSuccess', ok: true, catchError: false },
      { hook: 'onComplete', ok: true, catchError: false },
      // fails the attempt without retry
      { hook: 'cleanup', ok: false, retry: false, catchError: false },
      // fails the attempt, retried, without catchError or onFailure
      { hook: 'middleware', ok: false, retry: true, catchError: false },
    ];
    for (const row of rows) {
      let caught = false;
      const b = bundle(() => {
        task({ id: 'throws', [row.hook]: boom, catchError: () => void (caught = true), run: async () => 'fine' } as never);
      });
      const r = start(b, 'throws', { attempt: 1, maxAttempts: 2 });
      const o = await r.lifecycle.outcome;
      assert.equal(o.ok, row.ok, row.hook);
      if (!o.ok) {
        assert.equal(o.retry.retry, row.retry, row.hook);
        assert.equal((o.error as Error).message, 'hook boom', row.hook);
      } else assert.match(r.transport.lines.map((l) => l.message).join('\n'), new RegExp(`${row.hook} hook failed \\(ignored\\): hook boom`), row.hook);
      assert.equal(caught, row.catchError, `${row.hook}: catchError called`);
    }
    // onFailure throwing is ignored too: the run still fails with run's error.
    const b = bundle(() => {
      task({ id: 'f', onFailure: boom, run: () => Promise.reject(new Error('run error')) });
    });
    const o = await start(b, 'f', { attempt: 2, maxAttempts: 2 }).lifecycle.outcome;
    assert.equal(!o.ok && (o.error as Error).message, 'run error');
  });

  it('runtime.hooks.wait / resume call onWait / onResume (global, then the task), ignore their errors, and do nothing outside an attempt', async () => {
    const calls: string[] = [];
    const b = bundle(() => {
      tasks.onWait('g', ({ wait, task: id }) => void calls.push(`onWait:global:${wait.type}:${id}`));
      tasks.onResume('g', ({ wait }) => void calls.push(`onResume:global:${wait.type}`));
      task({
        id: 'waits',
        init: () => ({ conn: 'c1' }),
        onWait: ({ wait, init, payload }) => {
          calls.push(`onWait:task:${wait.type === 'duration' ? wait.date.toISOString() : '?'}:${String(init?.conn)}:${JSON.stringify(payload)}`);
          throw new Error('onWait boom');
        },
        onResume: ({ wait }) => void calls.push(`onResume:task:${wait.type === 'task' ? wait.runId : '?'}`),
        run: async () => 'ok',
      });
    });
    // Before the attempt's hooks are set up, they do nothing.
    const idle = start(
      bundle(() => task({ id: 'x', run: () => 1 })),
      'x',
    );
    await idle.runtime.hooks.wait({ type: 'duration', date: new Date() });

    const r = start(b, 'waits', { payload: { p: 1 } });
    await r.lifecycle.outcome;
    const date = new Date('2030-01-01T00:00:00.000Z');
    await r.runtime.hooks.wait({ type: 'duration', date });
    await r.runtime.hooks.resume({ type: 'task', runId: 'run_child' });
    assert.deepEqual(calls, [
      'onWait:global:duration:waits',
      `onWait:task:${date.toISOString()}:c1:{"p":1}`,
      'onResume:global:task',
      'onResume:task:run_child',
    ]);
    assert.ok(r.transport.lines.some((l) => l.level === 'warn' && /onWait hook failed: onWait boom/.test(l.message)));
  });
});
