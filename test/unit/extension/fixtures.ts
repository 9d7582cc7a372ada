import { statusFlags, type Run, type RunStatus } from '../../../src/protocol/run';

let n = 0;
/** A Run as the engine sends it; `createdAt` defaults to `n` seconds after a fixed epoch, so order is known. */
export function makeRun(over: Partial<Run> & { status?: RunStatus } = {}): Run {
  n++;
  const status = over.status ?? 'COMPLETED';
  const created = over.createdAt ?? new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  const run: Run = {
    id: `run_${n.toString().padStart(4, '0')}`,
    taskIdentifier: 'chat',
    status,
    tags: [],
    createdAt: created,
    updatedAt: created,
    isTest: false,
    durationMs: 0,
    costInCents: 0,
    baseCostInCents: 0,
    realtimeStreams: [],
    attemptCount: 1,
    number: n,
    ...statusFlags(status),
    ...over,
  };
  return run;
}

export const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
