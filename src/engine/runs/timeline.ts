import type { Run } from '../../protocol/run';
import {
  MAX_TIMELINE_ATTEMPTS,
  MAX_TIMELINE_ERROR,
  MAX_TIMELINE_WAITS,
  type AttemptOutcome,
  type RunTimeline,
  type TimelineAttempt,
  type TimelineWait,
} from '../../protocol/timeline';
import { isTerminal } from '../../shared/status';
import type { RunEventType } from '../store/types';

/** One step of a run's history: the type of the event and the run as it was after it. */
export interface HistoryStep {
  type: RunEventType;
  run: Pick<Run, 'status' | 'updatedAt' | 'attemptCount' | 'waitingFor' | 'error'>;
}

function cut(message: string | undefined): string | undefined {
  if (message === undefined) return undefined;
  return message.length > MAX_TIMELINE_ERROR ? `${message.slice(0, MAX_TIMELINE_ERROR)}…` : message;
}

function endOutcome(status: Run['status']): AttemptOutcome {
  if (status === 'COMPLETED') return 'completed';
  if (status === 'CANCELED') return 'canceled';
  return 'failed';
}

/**
 * A run's attempts and waits from its history (RunStore.runHistory, oldest first). Pure.
 *  - an `attempt` event starts attempt N (the run's attemptCount after it);
 *  - an `error` event while the run stays EXECUTING ends the attempt as failed (a retry follows);
 *  - the run queued again ends it as lost (the engine lost it); a final status ends it as the run ended;
 *  - the run becoming WAITING starts a wait on its `waitingFor`; any other status ends it.
 * `truncated` is passed on (the history was cut), and set when there were more attempts or waits than a timeline lists.
 */
export function timelineOf(runId: string, steps: Iterable<HistoryStep>, truncated = false): RunTimeline {
  const attempts: TimelineAttempt[] = [];
  const waits: TimelineWait[] = [];
  let attempt: TimelineAttempt | undefined;
  let wait: TimelineWait | undefined;
  let cutShort = truncated;
  const endAttempt = (at: string, outcome: AttemptOutcome, error?: string): void => {
    if (!attempt) return;
    attempt.endedAt = at;
    attempt.outcome = outcome;
    const message = cut(error);
    if (message !== undefined && outcome === 'failed') attempt.error = message;
    attempt = undefined;
  };
  const endWait = (at: string): void => {
    if (!wait) return;
    wait.endedAt = at;
    wait = undefined;
  };
  for (const { type, run } of steps) {
    const at = run.updatedAt;
    if (type === 'attempt') {
      endWait(at);
      endAttempt(at, 'lost');
      if (attempts.length >= MAX_TIMELINE_ATTEMPTS) {
        cutShort = true;
        continue;
      }
      attempt = { number: Math.max(1, run.attemptCount), startedAt: at, outcome: 'running' };
      attempts.push(attempt);
      continue;
    }
    if (run.status === 'WAITING') {
      if (!wait && run.waitingFor) {
        if (waits.length >= MAX_TIMELINE_WAITS) cutShort = true;
        else waits.push((wait = { startedAt: at, on: run.waitingFor }));
      }
      continue;
    }
    endWait(at);
    if (isTerminal(run.status)) endAttempt(at, endOutcome(run.status), run.error?.message);
    else if (run.status === 'QUEUED' || run.status === 'DELAYED') endAttempt(at, 'lost');
    else if (type === 'error' && run.status === 'EXECUTING') endAttempt(at, 'failed', run.error?.message);
  }
  return { runId, attempts, waits, ...(cutShort ? { truncated: true } : {}) };
}
