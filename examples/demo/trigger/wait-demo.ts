import { metadata, task, wait } from '@trigger.dev/sdk';
import { progressTask } from './progress-task';

/**
 * Waits for a person: creates a wait token and waits on it (the run is WAITING meanwhile). Complete it with
 * **Runlight: Complete Wait Token…** from the run's context menu or its panel, or with `curl -X POST <url>`
 * using the URL shown in the run's metadata. Returns what the token was completed with.
 */
export const waitForApproval = task({
  id: 'wait-for-approval',
  run: async (payload: { question?: string; timeout?: string }) => {
    const token = await wait.createToken({ timeout: payload?.timeout ?? '1h', tags: ['approval'] });
    metadata.set('question', payload?.question ?? 'Ship it?');
    metadata.set('token', { id: token.id, url: token.url });
    const result = await wait.forToken<{ approved?: boolean; note?: string }>(token);
    if (!result.ok) return { approved: false, timedOut: true };
    return { approved: result.output?.approved === true, answer: result.output };
  },
});

/** Triggers a child and waits for it: the child shows nested under this run in the Runs view and in its panel. */
export const nestedDemo = task({
  id: 'nested-demo',
  run: async (payload: { total?: number; stepMs?: number }) => {
    const child = await progressTask.triggerAndWait({ total: payload?.total ?? 5, stepMs: payload?.stepMs ?? 200 });
    return { child: child.id, output: child.ok ? child.output : null };
  },
});
