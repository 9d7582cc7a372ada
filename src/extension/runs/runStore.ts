import type { Run } from '../../protocol/run';
import { Emitter, type IDisposable } from '../lifecycle';

export interface RunChange {
  run: Run;
  /** The run as it was before this change; undefined when it is new to the store. */
  previous: Run | undefined;
}

/**
 * The host's copy of the workspace's runs, fed by one SSE subscription (and reconciled from listRuns).
 * A run older than the copy held (by `updatedAt`) is ignored, so a slow reconcile page cannot undo a
 * newer live event. Changes are announced in batches.
 */
export class RunStore implements IDisposable {
  private readonly runs = new Map<string, Run>();
  private readonly _onDidChange = new Emitter<RunChange[]>();
  readonly onDidChange = this._onDidChange.event;

  get size(): number {
    return this.runs.size;
  }

  get(id: string): Run | undefined {
    return this.runs.get(id);
  }

  all(): Run[] {
    return [...this.runs.values()];
  }

  /** Applies runs (newer than the copy held); fires one change event with those that changed. */
  upsert(runs: Iterable<Run>): RunChange[] {
    const changes: RunChange[] = [];
    for (const run of runs) {
      const previous = this.runs.get(run.id);
      if (previous && !isNewer(run, previous)) continue;
      this.runs.set(run.id, run);
      changes.push({ run, previous });
    }
    if (changes.length) this._onDidChange.fire(changes);
    return changes;
  }

  dispose(): void {
    this._onDidChange.dispose();
  }
}

/** Newer by updatedAt; at equal times, different content wins (the engine's clock has ms resolution). */
export function isNewer(next: Run, prev: Run): boolean {
  const a = Date.parse(next.updatedAt);
  const b = Date.parse(prev.updatedAt);
  if (!Number.isNaN(a) && !Number.isNaN(b) && a !== b) return a > b;
  return JSON.stringify(next) !== JSON.stringify(prev);
}
