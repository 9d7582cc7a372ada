import { logger, task } from '@trigger.dev/sdk';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs longer than its maxDuration (2 s): ends TIMED_OUT. */
export const slowTask = task({
  id: 'slow-task',
  maxDuration: 2,
  run: async () => {
    for (let i = 0; ; i++) {
      logger.info(`still working (${i})`);
      await sleep(500);
    }
  },
});
