import * as z from 'zod/mini';
import './zod-locale';
import { WaitingFor } from './run';

/**
 * A run's history on one time axis (Runlight's own, `GET /api/v1/runs/:id/timeline`): each attempt from its start
 * to its end and how it ended, and each wait from its start to its resume. The engine derives it from the run's
 * change log; the run panel draws it with the run's child runs and log lines.
 */

/** How an attempt ended: still running; the run completed; it failed (then a retry may follow), was canceled, or the engine lost it (queued again). */
export const AttemptOutcome = z.enum(['running', 'completed', 'failed', 'canceled', 'lost']);
export type AttemptOutcome = z.infer<typeof AttemptOutcome>;

/** The most attempts and waits a timeline lists (the oldest are kept; `truncated` says more happened). */
export const MAX_TIMELINE_ATTEMPTS = 200;
export const MAX_TIMELINE_WAITS = 1000;
/** An attempt's error message is cut to this many characters. */
export const MAX_TIMELINE_ERROR = 300;

const iso = z.string();

export const TimelineAttempt = z.object({
  number: z.number().check(z.int(), z.minimum(1)),
  startedAt: iso,
  /** Absent while it runs. */
  endedAt: z.optional(iso),
  outcome: AttemptOutcome,
  /** The error it failed with (cut to MAX_TIMELINE_ERROR characters). */
  error: z.optional(z.string().check(z.maxLength(MAX_TIMELINE_ERROR + 1))),
});
export type TimelineAttempt = z.infer<typeof TimelineAttempt>;

export const TimelineWait = z.object({
  startedAt: iso,
  /** Absent while the run waits. */
  endedAt: z.optional(iso),
  on: WaitingFor,
});
export type TimelineWait = z.infer<typeof TimelineWait>;

export const RunTimeline = z.object({
  runId: z.string(),
  attempts: z.array(TimelineAttempt).check(z.maxLength(MAX_TIMELINE_ATTEMPTS)),
  waits: z.array(TimelineWait).check(z.maxLength(MAX_TIMELINE_WAITS)),
  /** The run's history was longer than a timeline lists. */
  truncated: z.optional(z.boolean()),
});
export type RunTimeline = z.infer<typeof RunTimeline>;
