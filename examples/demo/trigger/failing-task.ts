import { logger, task } from '@trigger.dev/sdk';

/** Always fails: shows a FAILED run with its error and stack. */
export const failingTask = task({
  id: 'failing-task',
  retry: { maxAttempts: 1 },
  run: async (payload: { reason?: string }) => {
    logger.info('About to fail on purpose');
    throw new Error(payload?.reason ?? 'This task fails on purpose');
  },
});
