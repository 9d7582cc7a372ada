import type { StoredChunk } from '../../protocol/chunk';
import type { RunEvent } from '../store/types';

export type RunListener = (event: RunEvent) => void;
export type ChunkListener = (chunks: readonly StoredChunk[]) => void;

/**
 * In-process fan-out of committed changes, in commit order. Listeners are indexed by run id so that
 * a thousand subscribers of one run cost one map look-up per event; feeds that filter by tag, batch or
 * nothing listen to every event.
 */
export class Hub {
  private readonly byRun = new Map<string, Set<RunListener>>();
  private readonly everyRun = new Set<RunListener>();
  private readonly chunkListeners = new Map<string, Set<ChunkListener>>();

  onRun(runId: string | undefined, listener: RunListener): () => void {
    if (runId === undefined) {
      this.everyRun.add(listener);
      return () => this.everyRun.delete(listener);
    }
    let set = this.byRun.get(runId);
    if (!set) this.byRun.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.byRun.delete(runId);
    };
  }

  onChunks(runId: string, key: string, listener: ChunkListener): () => void {
    const k = `${runId}\u0000${key}`;
    let set = this.chunkListeners.get(k);
    if (!set) this.chunkListeners.set(k, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.chunkListeners.delete(k);
    };
  }

  publishRun(event: RunEvent): void {
    for (const l of this.everyRun) l(event);
    const set = this.byRun.get(event.runId);
    if (set) for (const l of set) l(event);
  }

  publishChunks(runId: string, key: string, chunks: readonly StoredChunk[]): void {
    const set = this.chunkListeners.get(`${runId}\u0000${key}`);
    if (set) for (const l of set) l(chunks);
  }

  get subscriberCount(): number {
    let n = this.everyRun.size;
    for (const s of this.byRun.values()) n += s.size;
    for (const s of this.chunkListeners.values()) n += s.size;
    return n;
  }
}
