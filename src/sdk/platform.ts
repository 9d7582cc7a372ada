/**
 * Trigger.dev helpers about the machine a run is on, with their local meaning (nothing is billed, the event loop is
 * never starved of heartbeats), and its error classes, so code that checks `err instanceof NotFoundError` or throws
 * `new CompleteTaskWithOutput(x)` builds and behaves.
 */
import { WaitpointTokenPromise } from './task/wait';

export * from './backend/errors';

/** The promise `wait.forToken` returns (Trigger.dev's name for it). */
export const ManualWaitpointPromise = WaitpointTokenPromise;

/** `timeout.None`: the largest timer delay, Trigger.dev's "no timeout". */
export const timeout = { None: 2_147_483_647, signal: undefined };

/** Locally the worker's heartbeat is not starved by a busy loop, so yielding is a turn of the event loop. */
export const heartbeats = {
  async yield(): Promise<void> {
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  },
  getLastHeartbeat(): Date | undefined {
    return undefined;
  },
};

interface ComputeUsage {
  costInCents: number;
  durationMs: number;
}

/** Runs cost nothing locally: the costs are 0 and `measure` reports the wall time of the callback. */
export const usage = {
  getCurrent(): { compute: { attempt: ComputeUsage; total: ComputeUsage }; baseCostInCents: number; totalCostInCents: number } {
    return { compute: { attempt: { costInCents: 0, durationMs: 0 }, total: { costInCents: 0, durationMs: 0 } }, baseCostInCents: 0, totalCostInCents: 0 };
  },
  async measure<T>(cb: () => Promise<T>): Promise<{ result: T; compute: ComputeUsage }> {
    const started = performance.now();
    const result = await cb();
    return { result, compute: { costInCents: 0, durationMs: Math.round(performance.now() - started) } };
  },
};

/** Thrown (e.g. from `catchError`) to end the run as completed with `output`. */
export class CompleteTaskWithOutput extends Error {
  constructor(readonly output: unknown) {
    super('Complete task with output');
    this.name = 'CompleteTaskWithOutput';
  }
}

/** Thrown by task code to say the machine ran out of memory (upstream retries it on a larger machine). */
export class OutOfMemoryError extends Error {
  constructor() {
    super('Task manually killed due to out of memory');
    this.name = 'OutOfMemoryError';
  }
}

/** A batch could not be triggered. */
export class BatchTriggerError extends Error {
  readonly phase: string;
  readonly batchId?: string;
  readonly itemCount: number;
  readonly isRateLimited: boolean;
  constructor(message: string, options: { phase: string; batchId?: string; itemCount: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'BatchTriggerError';
    this.phase = options.phase;
    this.batchId = options.batchId;
    this.itemCount = options.itemCount;
    this.isRateLimited = false;
  }
}
