import { CompleteWaitTokenInput, ListWaitTokensInput } from '../protocol/tools';
import { plural } from './text';
import { defineTool } from './tool';

export const listWaitTokens = defineTool({
  name: 'list_wait_tokens',
  title: 'List wait tokens',
  description:
    'Wait tokens (wait.createToken / wait.forToken): a run waiting for one stays WAITING until it is completed ' +
    '(complete_wait_token) or times out. Newest first, filtered by status and tags.',
  input: ListWaitTokensInput,
  writes: false,
  async run(input, ctx) {
    const page = await (
      await ctx.engine()
    ).listWaitTokens({
      ...(input.status?.length ? { status: input.status } : {}),
      ...(input.tags?.length ? { tags: input.tags } : {}),
      pageSize: input.limit,
    });
    if (page.data.length === 0) return 'No wait tokens match.';
    const lines = [`${plural(page.data.length, 'token')}${page.pagination.next ? ' (more match: raise limit or filter)' : ''}:`];
    for (const t of page.data) {
      const when = t.status === 'WAITING' ? (t.timeoutAt ? `, times out ${t.timeoutAt}` : '') : t.completedAt ? ` at ${t.completedAt}` : '';
      lines.push(
        `- ${t.id} · ${t.status}${when} · created ${t.createdAt}${t.tags.length ? ` · tags ${t.tags.join(', ')}` : ''}${t.idempotencyKey ? ` · key ${t.idempotencyKey}` : ''}`,
      );
    }
    return lines.join('\n');
  },
});

export const completeWaitToken = defineTool({
  name: 'complete_wait_token',
  title: 'Complete a wait token',
  description: 'Completes a WAITING wait token with a JSON value: the run waiting for it resumes with that value as the token output.',
  input: CompleteWaitTokenInput,
  writes: true,
  confirm: (input) => ({
    title: `Complete wait token ${input.tokenId}?`,
    message: `Runlight will complete **${input.tokenId}**${input.data === undefined ? '' : ` with\n\n\`\`\`json\n${JSON.stringify(input.data, null, 2)}\n\`\`\``}; a run waiting for it resumes.`,
  }),
  async run(input, ctx) {
    await (await ctx.engine()).completeWaitToken(input.tokenId, input.data);
    return `Completed wait token ${input.tokenId}; a run waiting for it resumes (see list_runs with status WAITING / EXECUTING).`;
  },
});
