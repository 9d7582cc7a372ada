import { streams, task } from '@trigger.dev/sdk';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const multiStream = task({
  id: 'multi-stream',
  run: async (payload: { question?: string }) => {
    const question = payload?.question ?? 'Why is the sky blue?';

    for (const thought of ['Reading the question…', 'Recalling Rayleigh scattering…', 'Drafting an answer…']) {
      await streams.append('reasoning', thought);
      await sleep(150);
    }

    const answer = `${question} Sunlight scatters off air molecules, and short blue wavelengths scatter the most.`;
    for (const word of answer.split(' ')) {
      await streams.append('answer', word + ' ');
      await sleep(40);
    }

    return { words: answer.split(' ').length };
  },
});
