import { streams, task } from '@trigger.dev/sdk';
import OpenAI from 'openai';

const openai = new OpenAI({
  apiKey: process.env.OPENAI_API_KEY,
});

export const chat = task({
  id: 'chat',
  run: async (payload: { prompt: string }) => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: payload.prompt }],
      stream: true,
    });

    // Pipe the OpenAI stream to the "answer" realtime stream as it arrives.
    const { waitUntilComplete } = streams.pipe('answer', completion);
    await waitUntilComplete();

    return { ok: true };
  },
});
