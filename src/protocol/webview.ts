import * as z from 'zod/mini';
import './zod-locale';
import { Json, Run, RunStatus } from './run';
import { LogChunk } from './sse';
import { RunTimeline } from './timeline';

/**
 * Messages between the extension host and a run panel's webview. The host keeps the state (run, stream
 * buffers, logs); the webview says `ready`, receives one `snapshot`, then `delta`s. The webview is
 * untrusted from the host's point of view, so the host parses every WebviewToHost message with zod.
 */

/** One stream chunk as the webview receives it: the host has already decoded the wire text. */
export const StreamItem = z.discriminatedUnion('kind', [
  /** A string chunk (LLM token, text line). */
  z.object({ kind: z.literal('text'), text: z.string() }),
  /** Any other JSON chunk (an SDK event object, a number, …). */
  z.object({ kind: z.literal('json'), value: Json }),
  /** Binary chunk: its size and a hex preview of its first bytes. */
  z.object({ kind: z.literal('binary'), size: z.number().check(z.int(), z.nonnegative()), hex: z.string() }),
]);
export type StreamItem = z.infer<typeof StreamItem>;

export const StreamSlice = z.object({
  key: z.string(),
  /** idx of the first item of `items` within the stream. */
  from: z.number().check(z.int(), z.nonnegative()),
  items: z.array(StreamItem),
  /** The engine said `end` for this stream. */
  ended: z.optional(z.boolean()),
});
export type StreamSlice = z.infer<typeof StreamSlice>;

export const PanelNotice = z.object({
  level: z.enum(['info', 'warning', 'error']),
  message: z.string(),
});
export type PanelNotice = z.infer<typeof PanelNotice>;

/** Most child runs a panel lists (the newest beyond it are counted in `total`, not listed). */
export const MAX_PANEL_CHILDREN = 500;

/** A run triggered from inside the panel's run, as the panel lists it (its own panel opens on click). */
export const ChildRun = z.object({
  id: z.string().check(z.minLength(1)),
  taskIdentifier: z.string(),
  status: RunStatus,
  createdAt: z.string(),
  /** When it started and finished (for the timeline strip). */
  startedAt: z.optional(z.string()),
  finishedAt: z.optional(z.string()),
});
export type ChildRun = z.infer<typeof ChildRun>;

/** The child runs the host knows of, oldest first (the order they were triggered in); `total` counts all of them. */
export const ChildRuns = z.object({
  runs: z.array(ChildRun).check(z.maxLength(MAX_PANEL_CHILDREN)),
  total: z.number().check(z.int(), z.nonnegative()),
});
export type ChildRuns = z.infer<typeof ChildRuns>;

export const HostToWebview = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('snapshot'),
    runId: z.string(),
    /** null until the run has been fetched (or when it does not exist). */
    run: z.nullable(Run),
    streams: z.array(StreamSlice),
    logs: z.array(LogChunk),
    /** Items dropped from the start of buffers that grew past their cap. */
    truncated: z.optional(z.boolean()),
    notice: z.optional(PanelNotice),
    children: z.optional(ChildRuns),
    /** The run's attempts and waits, once the host has loaded them. */
    timeline: z.optional(RunTimeline),
  }),
  z.object({
    type: z.literal('delta'),
    run: z.optional(Run),
    streams: z.optional(z.array(StreamSlice)),
    logs: z.optional(z.array(LogChunk)),
    /** The whole list again, when it changed. */
    children: z.optional(ChildRuns),
    /** The whole timeline again, when it changed. */
    timeline: z.optional(RunTimeline),
  }),
  z.object({ type: z.literal('notice'), notice: PanelNotice }),
]);
export type HostToWebview = z.infer<typeof HostToWebview>;

export const WebviewToHost = z.discriminatedUnion('type', [
  /** The webview's script runs and listens: send it a snapshot. Sent again after the webview reloads. */
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('cancel') }),
  z.object({ type: z.literal('replay') }),
  /** Run it again with the same payload, under the debugger (Runlight's debug runs). */
  z.object({ type: z.literal('debugReplay') }),
  /** Replay with Edited Payload…: the host opens the task's trigger form with this run's payload and options. */
  z.object({ type: z.literal('replayEdited') }),
  z.object({ type: z.literal('copyId') }),
  /** Open the panel of one of the listed child runs (the host opens only runs it listed). */
  z.object({ type: z.literal('openRun'), runId: z.string().check(z.minLength(1), z.maxLength(200)) }),
  /** Copy a part of the run as text, or open it in an editor (the host reads it from the run it holds). */
  z.object({ type: z.literal('valueAction'), action: z.enum(['copy', 'open']), part: z.enum(['payload', 'output', 'metadata', 'error']) }),
  /** Open a place of the error's stack (the host opens only files inside the workspace). */
  z.object({
    type: z.literal('openSource'),
    file: z.string().check(z.minLength(1), z.maxLength(4096)),
    line: z.number().check(z.int(), z.minimum(1)),
    column: z.number().check(z.int(), z.minimum(1)),
  }),
  /** Complete the wait token the run waits on (the host knows which; it asks for the data). */
  z.object({ type: z.literal('completeToken') }),
  /** An error inside the webview script, for the host's log. */
  z.object({ type: z.literal('error'), message: z.string().check(z.maxLength(4000)) }),
]);
export type WebviewToHost = z.infer<typeof WebviewToHost>;

/** The state a run panel's webview persists with `setState`, read back by the panel serializer. */
export const PanelPersistedState = z.object({ runId: z.string().check(z.minLength(1)) });
export type PanelPersistedState = z.infer<typeof PanelPersistedState>;
