import { metadata, streams, task, wait } from '@trigger.dev/sdk';
import OpenAI from 'openai';

const openai = new OpenAI({
  apiKey: process.env.OPENAI_API_KEY,
});

/** Asks the model, streams its answer into `key` as it arrives, and returns the whole text. */
async function ask(prompt: string, key: string): Promise<string> {
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: prompt }],
    stream: true,
  });
  const { stream } = streams.pipe(key, completion);
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  return text;
}

/** Reviews a draft in one sentence. */
export const critic = task({
  id: 'critic',
  run: async (payload: { draft: string }) => {
    const review = await ask(`Critique this draft in one sentence:\n\n${payload.draft}`, 'review');
    return { review };
  },
});

/**
 * An agent loop with a human in it: draft → a critic child run (`triggerAndWait`) → wait for a person to approve
 * (a wait token) → finish. Approve it from the run's panel (Complete Wait Token…), or with
 * `curl -X POST -H 'content-type: application/json' -d '{"approved":true}' <the url in the run's metadata>`.
 */
export const agentLoop = task({
  id: 'agent-loop',
  run: async (payload: { topic?: string }) => {
    const topic = payload?.topic ?? 'why the sky is blue';

    metadata.set('step', 'drafting');
    const draft = await ask(`Write a short paragraph about ${topic}.`, 'draft');

    metadata.set('step', 'reviewing');
    const { review } = await critic.triggerAndWait({ draft }).unwrap();

    const approval = await wait.createToken({ timeout: '1h', tags: ['approval'] });
    metadata.set('step', 'waiting for approval').set('approval', { tokenId: approval.id, url: approval.url });
    const decision = await wait.forToken<{ approved: boolean; note?: string }>(approval);
    if (!decision.ok) {
      metadata.set('step', 'approval timed out');
      return { draft, review, approved: false, note: 'nobody approved within the hour' };
    }

    metadata.set('step', decision.output.approved ? 'approved' : 'rejected');
    return { draft, review, approved: decision.output.approved, note: decision.output.note };
  },
});
