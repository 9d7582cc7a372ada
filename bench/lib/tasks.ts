/** The task file the bench engine runs; it imports the SDK the way Trigger.dev task files do. */
export const BENCH_TASKS = `
import { task, streams } from "@trigger.dev/sdk";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

export const noop = task({ id: "noop", run: async () => null });

/** Appends n chunks at \`rate\` per second, each stamped with the time of its append. */
export const paced = task({
  id: "paced",
  run: async (p: { n: number; rate: number; pad: string; waitMs: number }) => {
    await sleep(p.waitMs);
    const start = now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < p.n; i++) {
      const d = start + (i * 1000) / p.rate - now();
      if (d > 0) await sleep(d);
      pending.push(streams.append("b", { i, t: now(), p: p.pad }));
    }
    await Promise.all(pending);
    return { n: p.n };
  },
});

/** A chat answer's shape: a prompt in, \`tokens\` text chunks of a few characters streamed, progress, the text out. */
export const chatlike = task({
  id: "chatlike",
  run: async (p: { prompt: string; tokens: number }) => {
    let text = "";
    for (let i = 0; i < p.tokens; i++) {
      const token = " tok" + (i % 10);
      text += token;
      void streams.append("answer", token);
    }
    return { text };
  },
});

/** Appends n chunks as fast as it can. */
export const burst = task({
  id: "burst",
  run: async (p: { n: number; pad: string; waitMs: number }) => {
    await sleep(p.waitMs);
    const pending: Promise<void>[] = [];
    for (let i = 0; i < p.n; i++) pending.push(streams.append("b", { i, t: now(), p: p.pad }));
    await Promise.all(pending);
    return { n: p.n };
  },
});
`;

/** ~100-byte chunks, the size of an LLM token event with its envelope. */
export const PAD = 'x'.repeat(64);
