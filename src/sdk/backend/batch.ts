import { unsupported } from './unsupported';
import { apiClient } from './config';
import { triggerBatch, type BatchRunHandle, type TriggerOptions } from './trigger';
import { collectBatchItems, type BatchItems } from './items';

/** `batch.trigger([{ id, payload, options }])`: one batch of runs across several tasks. */

export interface BatchByIdItem {
  /** Task id. */
  id: string;
  payload?: unknown;
  options?: TriggerOptions;
}

export interface BatchByTaskItem {
  /** A task object (anything with an `id`) or a task id. */
  task: { id: string } | string;
  payload?: unknown;
  options?: TriggerOptions;
}

async function trigger(items: BatchItems<BatchByIdItem>): Promise<BatchRunHandle> {
  return triggerBatch(
    apiClient(),
    (await collectBatchItems(items, 'batch.trigger()')).map((i) => ({ task: i.id, payload: i.payload, options: i.options })),
  );
}

async function triggerByTask(items: BatchItems<BatchByTaskItem>): Promise<BatchRunHandle> {
  return triggerBatch(
    apiClient(),
    (await collectBatchItems(items, 'batch.triggerByTask()')).map((i) => ({
      task: typeof i.task === 'string' ? i.task : i.task.id,
      payload: i.payload,
      options: i.options,
    })),
  );
}

export const batch = { trigger, triggerByTask, retrieve: unsupported('batch.retrieve()') };
