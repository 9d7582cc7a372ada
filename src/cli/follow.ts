import type { EngineClient } from '../client/api';
import { LogChunk } from '../protocol/sse';
import { LOG_STREAM_KEY } from '../shared/streams';
import { RunSubscription } from '../sdk/backend/subscription';
import type { CliContext } from './context';
import { WatchPrinter } from './output/watch-printer';
import { styleFor } from './output/style';

/**
 * Follows one run from its first event (Last-Event-ID 0 replays its whole history, so a fast run still
 * shows QUEUED → EXECUTING → …), with its streams and logs, until it is finished and its streams have
 * drained. Ctrl-C stops watching (the run goes on). Returns the exit code: 0 only for COMPLETED.
 */
export async function watchRun(client: EngineClient, runId: string, ctx: CliContext): Promise<number> {
  const printer = new WatchPrinter(ctx.out, styleFor({ isTTY: ctx.stdoutIsTTY }, ctx.env));
  const sub = new RunSubscription(client, (signal) => client.subscribeToRun(runId, { signal, lastEventId: '0' }), {
    extraStreams: [LOG_STREAM_KEY],
    streamDrainTimeoutMs: 15_000,
  });
  let interrupted = false;
  const off = ctx.onSignal(() => {
    interrupted = true;
    sub.unsubscribe();
  });
  try {
    for await (const part of sub.withStreams()) {
      if (!('chunk' in part)) {
        printer.run(part.run);
        continue;
      }
      if (part.type === LOG_STREAM_KEY) {
        const entry = LogChunk.safeParse(part.chunk);
        if (entry.success) printer.log(entry.data);
        else printer.chunk(part.type, part.chunk);
      } else printer.chunk(part.type, part.chunk);
    }
  } finally {
    off();
  }
  const code = printer.finish(interrupted);
  return interrupted ? 130 : code;
}
