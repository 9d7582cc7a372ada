/** Task files used by the engine tests; they import the SDK the way Trigger.dev task files do. */
export const TASKS: Record<string, string> = {
  'trigger/basic.ts': `
import { task, metadata, streams, tags, logger } from "@trigger.dev/sdk";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const echo = task({ id: "echo", run: async (payload: { value?: unknown }) => ({ echoed: payload?.value ?? null }) });

export const streamer = task({
  id: "streamer",
  run: async (payload: { n?: number; delayMs?: number }) => {
    const n = payload?.n ?? 20;
    for (let i = 0; i < n; i++) {
      await streams.append("tokens", "t" + i + " ");
      metadata.set("progress", (i + 1) / n);
      if (payload?.delayMs) await sleep(payload.delayMs);
    }
    await streams.append("bytes", new Uint8Array([0, 1, 2, 250]));
    logger.info("streamed " + n);
    return { n };
  },
});

export const tagger = task({
  id: "tagger",
  run: async () => {
    await tags.add("added:later");
    metadata.set("a", 1).increment("count", 2).append("list", "x");
    await metadata.flush();
    return metadata.current();
  },
});

export const sleeper = task({
  id: "sleeper",
  run: async (payload: { ms?: number }) => {
    await sleep(payload?.ms ?? 60_000);
    return { slept: true };
  },
});
`,
  'trigger/faults.ts': `
import { task, timeout } from "@trigger.dev/sdk";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const fails = task({ id: "fails", retry: { maxAttempts: 2, minTimeoutInMs: 10 }, run: async () => { throw new Error("boom on purpose"); } });
export const exits = task({ id: "exits", run: async () => { process.exit(3); } });
export const tooSlow = task({ id: "too-slow", maxDuration: 1, run: async () => { await sleep(30_000); } });
export const spins = task({ id: "spins", maxDuration: 1, run: async () => { for (;;) {} } });
export const noLimit = task({ id: "no-limit", maxDuration: timeout.None, run: async () => { await sleep(300); return "done"; } });
export const uncaught = task({ id: "uncaught", run: async () => { setTimeout(() => { throw new Error("thrown later"); }, 10); await sleep(2000); } });
export const hog = task({ id: "hog", run: async () => { const keep: unknown[] = []; for (;;) keep.push(new Array(1e6).fill(Math.random())); } });
`,
};
