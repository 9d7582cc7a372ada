import { statusFlags, type Run, type RunStatus } from '../../../src/protocol/run';

/** A valid wire Run for tests. */
export function makeRun(over: Partial<Run> & { status?: RunStatus } = {}): Run {
  const status = over.status ?? 'QUEUED';
  const base: Run = {
    id: 'run_1',
    taskIdentifier: 'hello',
    status,
    payload: { n: 1 },
    metadata: {},
    tags: [],
    createdAt: '2025-01-02T03:04:05.000Z',
    updatedAt: '2025-01-02T03:04:06.000Z',
    isTest: false,
    durationMs: 0,
    costInCents: 0,
    baseCostInCents: 0,
    realtimeStreams: [],
    attemptCount: 0,
    number: 1,
    ...statusFlags(status),
  };
  return { ...base, ...over, ...statusFlags(status) };
}

export function runEvent(seq: number, run: Run): string {
  return `id: ${seq}\nevent: run\ndata: ${JSON.stringify(run)}\n\n`;
}
