/** What a running task asks the engine to write (metadata, stream chunks, tags, logs), and the acks it gets back. */

import type { WorkerToEngine } from '../../protocol/ipc';
import { encodeChunk } from '../../protocol/chunk';
import { type LogChunk } from '../../protocol/sse';
import { LOG_STREAM_KEY } from '../../shared/streams';
import { LIMITS, type MetadataOperation } from '../../protocol/api';
import type { Committer } from '../committer';
import type { RunStore } from '../store/types';
import { StoreRefusal } from '../store/types';
import { withTags } from '../runs/model';
import type { WorkerHandle } from './pool';
import { targetRun, type WriteOrigin } from './target';
import { describeError } from '../../shared/errors';
import { nowIso } from '../clock';

/** The run service's writes a task reaches: metadata operations and stream chunks. */
export interface RunWrites {
  updateMetadata(runId: string, operations: readonly MetadataOperation[]): Promise<unknown>;
  appendChunks(runId: string, key: string, bodies: string[]): Promise<unknown>;
}

/** A worker's message that is a write, not the end of its attempt. */
export type WorkerRequest = Extract<WorkerToEngine, { type: 'metadata' | 'chunks' | 'tags' | 'logs' }>;

/** The attempt a request comes from, and the worker its ack goes back to. */
export interface RequestOrigin extends WriteOrigin {
  readonly worker: Pick<WorkerHandle, 'send'>;
}

/** Turns a worker's write requests into committed writes; each request is acknowledged once its write is committed. */
export class WorkerRequests {
  constructor(
    private readonly store: Pick<RunStore, 'getRun'>,
    private readonly committer: Committer,
    private readonly writes: RunWrites,
  ) {}

  async handle(a: RequestOrigin, m: WorkerRequest): Promise<void> {
    const ack = (): void => {
      if ('requestId' in m) a.worker.send({ type: 'ack', requestId: m.requestId });
    };
    // Whatever was thrown, the write was not made: the worker gets a failed ack, never a successful one.
    const refuse = (thrown: unknown): void => {
      if ('requestId' in m) a.worker.send({ type: 'ack', requestId: m.requestId, error: describeError(thrown) });
    };
    try {
      switch (m.type) {
        case 'metadata': {
          await this.writes.updateMetadata(await targetRun(this.store, a, m.target), m.operations);
          return ack();
        }
        case 'chunks': {
          // A worker sends batches of a stream without waiting for acks: they are submitted in the order they
          // arrived, which is also the order every write of the same target resolves in here.
          const target = await targetRun(this.store, a, m.target);
          for (const b of m.bodies) {
            if (b.length > LIMITS.chunkBytes) throw new StoreRefusal('chunk_too_large', `chunk: ${b.length} bytes is over the ${LIMITS.chunkBytes}-byte limit`);
          }
          await this.writes.appendChunks(target, m.key, m.bodies);
          return ack();
        }
        case 'tags':
          await this.committer.commit({ kind: 'update', runId: a.runId, apply: (r) => withTags(r, m.tags, nowIso(), LIMITS.tagsPerRun) });
          return ack();
        case 'logs': {
          const time = nowIso();
          const bodies = m.lines.map((l) => encodeChunk({ level: l.level, message: l.message, time } satisfies LogChunk));
          await this.writes.appendChunks(a.runId, LOG_STREAM_KEY, bodies).catch(() => undefined);
          return;
        }
      }
    } catch (e) {
      refuse(e);
    }
  }
}
