// Runlight compatibility suite stub (not from the docs): the `~/trigger/my-other-task` module that examples of
// docs/triggering.mdx import but the page does not show. Copied to trigger/my-other-task.ts of each workspace.
import { task } from '@trigger.dev/sdk';

export const myOtherTask = task({
  id: 'my-other-task',
  run: async (payload: unknown) => ({ received: payload }),
});
