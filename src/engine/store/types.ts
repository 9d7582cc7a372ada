import type { Run, RunStatus } from '../../protocol/run';
import type { StoredChunk } from '../../protocol/chunk';
import type { WaitOn } from '../../protocol/ipc';
import { EngineError, type EngineErrorCode } from '../errors';

/**
 * A run as the engine keeps it: the public Run object plus what only the engine needs.
 * The store persists it whole (JSON) and indexes the fields it filters on.
 */
export interface RunRecord {
  run: Run;
  maxAttempts: number;
  /** Seconds; the attempt is killed and the run ends TIMED_OUT past it. */
  maxDuration?: number;
  /** Milliseconds a QUEUED run may wait before it EXPIREs. */
  ttlMs?: number;
  parentRunId?: string;
  rootRunId?: string;
  /** Runs above this one (0 or absent: triggered from outside any task). */
  depth?: number;
  /** The attempt whose children the current attempt's `triggerAndWait` calls find again (see the execute message). */
  childAttempt?: number;
  /** Set when the engine lost the run's attempt and queued it again: the next attempt takes it as its `childAttempt`. */
  resumesAttempt?: number;
  /** What the run waits for while it is WAITING (its worker parked on the node holding it). */
  waitingOn?: WaitOn;
  /** Engine node that holds the run while DEQUEUED/EXECUTING, and until when (epoch ms). */
  lockedBy?: string;
  leaseUntil?: number;
  /** Epoch ms after which the run's idempotency key no longer finds it (a trigger with it makes a new run). */
  idempotencyKeyExpiresAt?: number;
  /** Runs of the run's queue with the same key share its concurrencyLimit (each key gets its own copy). */
  concurrencyKey?: string;
  /** Seconds of time offset: the run is dequeued as if it had been queued that much earlier. */
  priority?: number;
  /** seq of the newest event of this run. */
  lastSeq: number;
}

/** A queue's limit as the store enforces it in `claimQueued` (only queues with a limit are stored). */
export interface QueueLimit {
  name: string;
  /** Most runs of the queue, per concurrency key, DEQUEUED or EXECUTING at once (0: none start). */
  concurrencyLimit: number;
}

/** What a claim saw besides the runs it took. */
export interface ClaimReport {
  /** Due queued runs were left because their queue (for their key) is at its limit: claim again when a run ends. */
  blocked: boolean;
}

export type RunEventType = 'created' | 'status' | 'metadata' | 'tags' | 'stream' | 'output' | 'error' | 'attempt';

/** The event types that change a run's status or attempt (see `RunStore.runHistory`). */
export const HISTORY_EVENT_TYPES: readonly RunEventType[] = ['created', 'status', 'attempt', 'error', 'output'];

/** One committed row of the change log. `data` is the public Run JSON after the change, serialised once. */
export interface RunEvent {
  seq: number;
  runId: string;
  type: RunEventType;
  data: string;
  /** Denormalised for feed filtering without parsing `data`. */
  tags: string[];
  batchId?: string;
}

export interface RunUpdate {
  record: RunRecord;
  type: RunEventType;
}

/** Thrown by an `apply` function (or a store) to refuse a write; the op fails with this error, the others of its group go on. */
export class StoreRefusal extends EngineError {
  constructor(code: EngineErrorCode, message: string) {
    super(code, message);
    this.name = 'StoreRefusal';
  }
}

/**
 * A create refused because a run of the same task already holds the record's idempotency key (not expired): that
 * run's id. Checked inside the transaction, so two triggers racing with one key create one run.
 */
export class IdempotencyKeyTaken extends StoreRefusal {
  constructor(readonly runId: string) {
    super('run_exists', `run ${runId} already has this idempotency key`);
    this.name = 'IdempotencyKeyTaken';
  }
}

export type WriteOp =
  | { kind: 'create'; record: RunRecord }
  | { kind: 'batch'; batchId: string; runIds: string[]; createdAt: string }
  /**
   * Read the run, call `apply` with it inside the transaction, write what it returns as one event.
   * `undefined` means no change (no event). Throwing StoreRefusal fails only this op.
   */
  | { kind: 'update'; runId: string; apply: (record: RunRecord) => RunUpdate | undefined }
  /**
   * Append chunks to (runId, key); idx continues from the last stored one, starting at 0.
   * `apply` runs first with the current run (e.g. to refuse writes to a finished run, or to
   * register the key in realtimeStreams, which then becomes an event).
   */
  | {
      kind: 'chunks';
      runId: string;
      key: string;
      bodies: string[];
      apply?: (record: RunRecord) => RunUpdate | undefined;
    }
  /** `claimQueued` as an op: grouped with other writes, it shares their transaction. */
  | { kind: 'claim'; node: string; limit: number; now: number; leaseMs: number; startAttempt: boolean };

export type WriteResult = { ok: true; event?: RunEvent; chunks?: StoredChunk[]; claimed?: ClaimedRun[]; blocked?: boolean } | { ok: false; error: Error };

export interface RunFilter {
  runIds?: string[];
  status?: RunStatus[];
  taskIdentifier?: string[];
  /** Runs having all of these tags. */
  tags?: string[];
  batchId?: string;
  /** Runs triggered by this schedule (`run.schedule.id`). */
  scheduleId?: string;
  /** Runs triggered from inside this run's task (its children). */
  parentRunId?: string;
  /** ISO time; only runs created at or after it. */
  createdAfter?: string;
}

export interface Page {
  size: number;
  /** Run id of the last item of the previous page (newest first order). */
  after?: string;
}

/** A run claimed by `claimQueued`: as stored after the claim, and its events in order. */
export interface ClaimedRun {
  record: RunRecord;
  events: RunEvent[];
}

/** Where a wait token is: open, completed (its output set), or past its timeout. */
export type WaitTokenStatus = 'WAITING' | 'COMPLETED' | 'TIMED_OUT';

/**
 * A wait token (Trigger.dev's waitpoint token): a durable row runs wait on, completed once by the SDK, the
 * callback URL or its timeout. Times are epoch ms.
 */
export interface WaitTokenRecord {
  id: string;
  status: WaitTokenStatus;
  createdAt: number;
  completedAt?: number;
  timeoutAt?: number;
  idempotencyKey?: string;
  /** Past it, the key no longer finds this token (a create with it makes a new one). */
  idempotencyKeyExpiresAt?: number;
  tags: string[];
  /** JSON text of what completed it. */
  output?: string;
  /** The unguessable part of the token's callback URL. */
  callbackSecret: string;
}

export interface WaitTokenFilter {
  status?: WaitTokenStatus[];
  idempotencyKey?: string;
  /** Tokens having all of these tags. */
  tags?: string[];
  /** Epoch ms; only tokens created at or after it. */
  createdAfter?: number;
}

/** The end of a token: completed with an output (JSON text), or timed out. */
export type TokenSettlement = { status: 'COMPLETED'; output?: string } | { status: 'TIMED_OUT' };

/** Who made a schedule: a task file's `schedules.task({ cron })` (DECLARATIVE) or `schedules.create` (IMPERATIVE). */
export type ScheduleKind = 'DECLARATIVE' | 'IMPERATIVE';

/** A schedule: a cron expression in a time zone that triggers a run of `taskIdentifier` at every tick. Times are epoch ms. */
export interface ScheduleRecord {
  id: string;
  type: ScheduleKind;
  taskIdentifier: string;
  cron: string;
  /** Canonical IANA name; "UTC" by default. */
  timezone: string;
  active: boolean;
  externalId?: string;
  /** Unique among schedules; a create with an existing key updates that schedule. */
  deduplicationKey: string;
  /** False when the engine made the key up (it is then not shown). */
  userDeduplicationKey: boolean;
  createdAt: number;
  updatedAt: number;
  /** The next tick to fire; absent while inactive. */
  nextTickAt?: number;
  /** The last tick that fired. */
  lastTickAt?: number;
}

/** What an update of a schedule may change (absent fields keep their value). */
export type SchedulePatch = Partial<Pick<ScheduleRecord, 'taskIdentifier' | 'cron' | 'timezone' | 'externalId' | 'active'>> & {
  /** `null` clears it (inactive). */
  nextTickAt?: number | null;
  updatedAt: number;
};

export interface ScheduleFilter {
  type?: ScheduleKind;
  taskIdentifier?: string;
}

/**
 * Which finished runs retention removes: those created before `createdBefore` (epoch ms), and those beyond the
 * newest `keepNewest` runs (counting every run, finished or not). Runs that have not finished are never removed.
 */
export interface PrunePolicy {
  createdBefore?: number;
  keepNewest?: number;
}

export interface RunStore {
  /** Opens/creates the database and applies pending schema migrations. */
  open(): Promise<void>;
  close(): Promise<void>;

  /**
   * Commits a group of writes in one transaction (each op isolated by a savepoint: a refused op does
   * not affect the others). Resolves only after the commit is durable. Results are in op order.
   */
  write(ops: WriteOp[]): Promise<WriteResult[]>;

  getRun(id: string): Promise<RunRecord | undefined>;
  /** The newest run of the task with this idempotency key whose key has not expired at `now` (default: the clock). */
  findByIdempotencyKey(taskIdentifier: string, key: string, now?: number): Promise<RunRecord | undefined>;
  /** Newest first (createdAt desc, id desc). */
  listRuns(filter: RunFilter, page: Page): Promise<RunRecord[]>;
  /** Runs matching the filter ordered by lastSeq ascending (for feed snapshots), at most `limit`. */
  snapshot(filter: RunFilter, limit: number): Promise<RunRecord[]>;

  /** Highest committed seq (0 when empty). */
  headSeq(): Promise<number>;
  /** Events with seq > afterSeq for runs matching the filter (current run tags/batch), seq ascending. */
  eventsAfter(afterSeq: number, filter: RunFilter, limit: number): Promise<RunEvent[]>;

  /**
   * The events of one run that change its status or attempt (types in HISTORY_EVENT_TYPES: created, status, attempt,
   * error, output; not metadata, tags or streams), seq ascending, at most `limit`: what a run's timeline is made of.
   */
  runHistory(runId: string, limit: number): Promise<RunEvent[]>;

  /** Chunks of (runId, key) with idx > afterIdx, idx ascending. */
  chunksAfter(runId: string, key: string, afterIdx: number, limit: number): Promise<StoredChunk[]>;
  /** Number of chunks stored for (runId, key). */
  chunkCount(runId: string, key: string): Promise<number>;

  /**
   * Atomically takes up to `limit` QUEUED runs whose delayedUntil is unset or ≤ now, in queue order (createdAt
   * minus `priority` seconds, then id), sets status DEQUEUED, lockedBy = node, leaseUntil, and commits one event
   * each; with `startAttempt`, also starts each run's next attempt (EXECUTING, a second event) in the same
   * transaction. A run whose queue has a limit (`setQueueLimits`) is taken only while fewer than that many runs of
   * the queue with its concurrency key are DEQUEUED or EXECUTING (WAITING runs do not count); such runs are
   * passed over, and the runs behind them are taken. Safe across several engine nodes sharing one database (each
   * run is claimed by exactly one, and no queue passes its limit). `options.report`, when given, is filled in.
   */
  claimQueued(node: string, limit: number, now: number, leaseMs: number, options?: { startAttempt?: boolean; report?: ClaimReport }): Promise<ClaimedRun[]>;

  /** Replaces the queue limits the claim enforces (the queues with a concurrencyLimit that task code defines). */
  setQueueLimits(queues: readonly QueueLimit[]): Promise<void>;
  /** The queue limits the claim enforces, by name. */
  queueLimits(): Promise<QueueLimit[]>;

  /**
   * Records a one-time-use token hash, kept until the token expires (`expiresAt`, epoch ms: its `exp`); false when it
   * was already used.
   */
  useTokenOnce(hash: string, expiresAt: number): Promise<boolean>;

  /**
   * Creates a wait token, unless a token with its idempotency key exists and the key has not expired at `now`:
   * then that one, `isCached` (atomic, across engine nodes too).
   */
  createToken(token: WaitTokenRecord, now: number): Promise<{ token: WaitTokenRecord; isCached: boolean }>;
  getToken(id: string): Promise<WaitTokenRecord | undefined>;
  /**
   * Settles a WAITING token at `now`, atomically: the first settlement wins (`settled: true`); any later one
   * changes nothing and gets the token as the first left it. Undefined when there is no such token.
   */
  settleToken(id: string, settlement: TokenSettlement, now: number): Promise<{ token: WaitTokenRecord; settled: boolean } | undefined>;
  /** Times out every WAITING token whose timeout is ≤ now; their ids. */
  timeOutDueTokens(now: number): Promise<string[]>;
  /** Newest first (createdAt desc, id desc); `after` is the id of the last token of the previous page. */
  listTokens(filter: WaitTokenFilter, page: Page): Promise<WaitTokenRecord[]>;

  /**
   * Creates a schedule, or, when a schedule with its deduplicationKey exists, updates that one's task, cron, time
   * zone, external id and next tick (its id, type, active state and history stay), atomically across engine nodes.
   */
  upsertSchedule(schedule: ScheduleRecord): Promise<{ schedule: ScheduleRecord; created: boolean }>;
  getSchedule(id: string): Promise<ScheduleRecord | undefined>;
  /** Newest first (createdAt desc, id desc); `total` counts every match. */
  listSchedules(filter: ScheduleFilter, offset: number, limit: number): Promise<{ schedules: ScheduleRecord[]; total: number }>;
  /** Applies `patch`; the schedule after it, or undefined when there is no such schedule. */
  updateSchedule(id: string, patch: SchedulePatch): Promise<ScheduleRecord | undefined>;
  /** False when there was no such schedule. */
  deleteSchedule(id: string): Promise<boolean>;
  /** Active schedules whose next tick is ≤ now, earliest first. */
  dueSchedules(now: number, limit: number): Promise<ScheduleRecord[]>;
  /**
   * Takes the tick `tickAt` of a schedule for this caller: moves its next tick to `nextTickAt` (and, with `fired`,
   * its last tick to `tickAt`) only if its next tick is still `tickAt` and it is active. True for exactly one caller
   * per tick, across engine nodes sharing the database.
   */
  claimScheduleTick(id: string, tickAt: number, nextTickAt: number, fired: boolean): Promise<boolean>;

  /**
   * Runs held (DEQUEUED/EXECUTING/WAITING) under a lease that ended before `now`, oldest first: runs of an engine
   * node that died. The caller requeues or fails them with `write`, re-checking the lease in `apply`.
   */
  expiredLeases(now: number, limit: number): Promise<RunRecord[]>;
  /** Extends the leases of runs `node` holds; writes no event (the lease is bookkeeping, not a run change). */
  renewLeases(node: string, runIds: readonly string[], until: number): Promise<void>;
  /**
   * Moves the write-ahead log into the database when the engine chooses (idle moments), for drivers whose
   * checkpoints would otherwise block at arbitrary commits. Optional.
   */
  checkpoint?(): Promise<void>;

  /**
   * Removes up to `limit` finished runs the policy selects, oldest first, with their tags, change-log events, stream
   * chunks and logs, and batches left without runs, in one transaction. Returns how many runs went; call again until
   * it returns less than `limit`.
   */
  pruneRuns(policy: PrunePolicy, limit: number): Promise<number>;
  /**
   * Removes up to `limit` spent records in one transaction: hashes of one-time-use tokens that expired before `now`
   * (an expired token is refused before its hash is looked at), and, with `settledBefore`, wait tokens completed or
   * timed out before it (a waiting one stays, whatever its age). Returns how many went; call again until it returns
   * less than `limit`.
   */
  pruneSpent(now: number, settledBefore: number | undefined, limit: number): Promise<number>;
  /**
   * Gives free pages back to the file system after pruning (SQLite's incremental vacuum), at most `pages`; false once
   * none are left. Optional.
   */
  reclaim?(pages: number): Promise<boolean>;
}
