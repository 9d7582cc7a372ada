// Runlight compatibility suite stub (not from the docs): the `./child-task` module that docs/triggering.mdx
// (block 46) imports but does not show.
import { task } from '@trigger.dev/sdk';

export const childTask = task({
  id: 'child-task',
  run: async (payload: { userId: string }) => ({ userId: payload.userId }),
});
