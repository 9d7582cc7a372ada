import { unsupported } from './unsupported';
import { apiClient } from './config';
import { triggerBatch, triggerTask, type BatchItemInput, type BatchRunHandle, type RunHandle, type TriggerOptions } from './trigger';
import type { TriggerPayload } from './types';
import { collectBatchItems, type BatchItems } from './items';

/** `tasks.trigger` / `tasks.batchTrigger` from backend code: `tasks.trigger<typeof myTask>('my-task', payload)`. */

async function trigger<TTask = unknown>(taskId: string, payload: TriggerPayload<NoInfer<TTask>>, options?: TriggerOptions): Promise<RunHandle<TTask>> {
  return triggerTask<TTask>(apiClient(), taskId, payload, options);
}

async function batchTrigger<TTask = unknown>(taskId: string, items: BatchItems<BatchItemInput<TriggerPayload<NoInfer<TTask>>>>): Promise<BatchRunHandle> {
  return triggerBatch(
    apiClient(),
    (await collectBatchItems(items, `${taskId}.batchTrigger()`)).map((item) => ({ task: taskId, payload: item.payload, options: item.options })),
  );
}

export const tasks = { trigger, batchTrigger, triggerAndSubscribe: unsupported('tasks.triggerAndSubscribe()') };
