import { metadata, streams, task } from '@trigger.dev/sdk';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const progressTask = task({
  id: 'progress-task',
  run: async (payload: { total?: number; stepMs?: number }) => {
    const total = payload?.total ?? 20;
    const stepMs = payload?.stepMs ?? 200;
    metadata.set('status', 'working');

    for (let done = 1; done <= total; done++) {
      await sleep(stepMs);
      await streams.append('progress', JSON.stringify({ done, total }));
      metadata.set('progress', done / total);
    }

    metadata.set('status', 'done');
    return { total };
  },
});
