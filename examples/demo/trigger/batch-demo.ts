import { task } from '@trigger.dev/sdk';
import { progressTask } from './progress-task';

/** Batch-triggers three progress tasks for user 123: watch them under "By batch" and "By tag". */
export const batchDemo = task({
  id: 'batch-demo',
  run: async () => {
    const batch = await progressTask.batchTrigger([
      { payload: { total: 5, stepMs: 200 }, options: { tags: ['user:123'] } },
      { payload: { total: 10, stepMs: 150 }, options: { tags: ['user:123'] } },
      { payload: { total: 15, stepMs: 100 }, options: { tags: ['user:123'] } },
    ]);
    return { batchId: batch.batchId };
  },
});
