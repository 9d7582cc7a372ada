import * as z from 'zod/mini';
import './zod-locale';

/** SSE event names used by the engine's realtime feeds. */
export const SSE_EVENTS = {
  /** Run feeds: `id: <seq>`, `data: <Run JSON>`. */
  run: 'run',
  /** Stream feeds end with this once the run is terminal and the stream is drained. */
  end: 'end',
  /** Sent when a feed refuses to go on (e.g. the token expired); `data: <ErrorBody JSON>`. */
  error: 'error',
} as const;

export const LogChunk = z.object({
  level: z.enum(['debug', 'log', 'info', 'warn', 'error']),
  message: z.string(),
  time: z.string(),
});
export type LogChunk = z.infer<typeof LogChunk>;
