import { LIMITS, MetadataKey, type MetadataOperation } from '../../protocol/api';
import type { Json } from '../../protocol/run';
import { applyMetadataOperation, collapseMetadataOperations } from '../../shared/metadata';
import type { JsonObject } from '../../shared/json';
import { isJsonObject, toJson } from '../../shared/json';

export type MetadataTarget = 'self' | 'parent' | 'root';

/** Sends a batch of operations for one target; resolves once the engine committed them. */
export type SendMetadata = (target: MetadataTarget, operations: MetadataOperation[]) => Promise<void>;

export interface MetadataManagerOptions {
  initial: Record<string, Json>;
  send: SendMetadata;
  /** Queued operations are sent at most this long after the first one was queued (default 100 ms). */
  flushIntervalMs?: number;
  /** False when the run has no parent (then `parent.*` aims at the run itself); same for root. */
  hasParent: boolean;
  hasRoot: boolean;
  maxBytes?: number;
}

export class MetadataTooLargeError extends Error {
  constructor(bytes: number, limit: number) {
    super(`metadata would be ${bytes} bytes, over the ${limit}-byte limit`);
    this.name = 'MetadataTooLargeError';
  }
}

/**
 * The run's metadata inside a task: mutators apply to the local copy at once and queue operations
 * that are collapsed and sent every ≤ flushIntervalMs, on `flush()`, and at the end of the attempt.
 * Sends are serialised so the engine sees operations in the order they were made.
 */
export class MetadataManager {
  private current: JsonObject;
  /** Upper bound of the JSON size of `current`; measured exactly only when it passes the limit. */
  private sizeBound: number;
  private readonly queues: Record<MetadataTarget, MetadataOperation[]> = { self: [], parent: [], root: [] };
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private lastError: unknown;
  private closed = false;
  private readonly interval: number;
  private readonly limit: number;

  constructor(private readonly opts: MetadataManagerOptions) {
    this.current = structuredClone(opts.initial);
    this.limit = opts.maxBytes ?? LIMITS.metadataBytes;
    this.sizeBound = byteLength(JSON.stringify(this.current));
    this.interval = opts.flushIntervalMs ?? 100;
  }

  /** A detached copy of the current metadata. */
  snapshot(): Record<string, Json> {
    return structuredClone(this.current);
  }

  get(key: string): Json | undefined {
    const value = this.current[key];
    return value === undefined ? undefined : structuredClone(value);
  }

  /** Replaces the local copy (e.g. after a refresh from the engine); queues nothing. */
  reset(metadata: Record<string, Json>): void {
    this.current = structuredClone(metadata);
    this.sizeBound = byteLength(JSON.stringify(this.current));
  }

  set(target: MetadataTarget, key: string, value: unknown): void {
    const json = toJson(value, `metadata value for "${key}"`);
    if (json === undefined) return this.del(target, key);
    this.enqueue(target, { type: 'set', key: checkKey(key), value: json });
  }

  del(target: MetadataTarget, key: string): void {
    this.enqueue(target, { type: 'delete', key: checkKey(key) });
  }

  append(target: MetadataTarget, key: string, value: unknown): void {
    this.enqueue(target, { type: 'append', key: checkKey(key), value: toJson(value, `metadata value for "${key}"`) ?? null });
  }

  remove(target: MetadataTarget, key: string, value: unknown): void {
    this.enqueue(target, { type: 'remove', key: checkKey(key), value: toJson(value, `metadata value for "${key}"`) ?? null });
  }

  increment(target: MetadataTarget, key: string, by: number): void {
    if (typeof by !== 'number' || !Number.isFinite(by)) throw new TypeError(`metadata increment for "${key}" must be a finite number`);
    this.enqueue(target, { type: 'increment', key: checkKey(key), value: by });
  }

  replace(target: MetadataTarget, value: unknown): void {
    const json = toJson(value, 'metadata');
    if (!isJsonObject(json)) throw new TypeError('metadata.replace() needs a plain object');
    this.enqueue(target, { type: 'update', value: json });
  }

  /** Sends everything queued so far; resolves when the engine acknowledged it. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batches = (['self', 'parent', 'root'] as const)
      .filter((t) => this.queues[t].length > 0)
      .map((t) => {
        const ops = collapseMetadataOperations(this.queues[t]);
        this.queues[t] = [];
        return [t, ops] as const;
      });
    if (batches.length === 0) return this.chain;
    const next = this.chain.then(async () => {
      for (const [target, ops] of batches) await this.opts.send(target, ops);
    });
    // Keep the chain alive after a failure so later flushes still go out; the caller of this flush sees it.
    this.chain = next.catch((err: unknown) => {
      this.lastError = err;
    });
    return next;
  }

  /** Flushes and stops the timer; later mutations still apply locally but are never sent. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /** The last error a background (timer) flush met, if any. */
  backgroundError(): unknown {
    return this.lastError;
  }

  private resolveTarget(target: MetadataTarget): MetadataTarget {
    if (target === 'parent' && !this.opts.hasParent) return 'self';
    if (target === 'root' && !this.opts.hasRoot) return 'self';
    return target;
  }

  private enqueue(requested: MetadataTarget, op: MetadataOperation): void {
    const target = this.resolveTarget(requested);
    if (target === 'self') this.applyLocally(op);
    if (this.closed) return;
    this.queues[target].push(op);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch(() => undefined);
      }, this.interval);
    }
  }

  private applyLocally(op: MetadataOperation): void {
    const growth = op.type === 'update' ? Infinity : byteLength(JSON.stringify(op)) + 8;
    // The bound only grows; re-measure before paying for a trial copy.
    if (this.sizeBound + growth > this.limit) this.sizeBound = byteLength(JSON.stringify(this.current));
    if (this.sizeBound + growth <= this.limit) {
      this.current = applyMetadataOperation(this.current, op);
      this.sizeBound += growth;
      return;
    }
    // Close to the limit: try on a copy and measure exactly.
    const next = applyMetadataOperation(structuredClone(this.current), op);
    const size = byteLength(JSON.stringify(next));
    if (size > this.limit) throw new MetadataTooLargeError(size, this.limit);
    this.current = next;
    this.sizeBound = size;
  }
}

function checkKey(key: string): string {
  const parsed = MetadataKey.safeParse(key);
  if (!parsed.success) throw new TypeError(`invalid metadata key ${JSON.stringify(key)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
