import type { TaskRunContext } from '../../src/sdk/task/runtime';

/** A task's `ctx` for SDK and worker tests that build an AttemptRuntime by hand (the worker builds it from the engine's message). */
export function testContext(o: { taskId?: string; attempt?: number; run?: Partial<TaskRunContext['run']> } = {}): TaskRunContext {
  const at = new Date('2026-12-07T12:00:00.000Z');
  const taskId = o.taskId ?? 't';
  return {
    run: { id: 'run_x', tags: [], isTest: false, isReplay: false, createdAt: at, startedAt: at, baseCostInCents: 0, ...o.run },
    attempt: { id: 'attempt_x', number: o.attempt ?? 1, startedAt: at },
    task: { id: taskId, filePath: `trigger/${taskId}.ts` },
    queue: { id: `queue_${taskId}`, name: `task/${taskId}` },
    environment: { id: 'local', slug: 'dev', type: 'DEVELOPMENT' },
    organization: { id: 'local', slug: 'local', name: 'Local' },
    project: { id: 'local', ref: 'proj_local', slug: 'test', name: 'test' },
    machine: { name: 'local', cpu: 2, memory: 4, centsPerMs: 0 },
  };
}
