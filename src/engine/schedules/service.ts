import type { TaskInfo } from '../../protocol/api';
import type { RunSchedule } from '../../protocol/run';
import type { CreateScheduleRequest, ScheduledRunPayload, ScheduleObject, UpdateScheduleRequest } from '../../protocol/schedules';
import type { RunRecord, RunStore, ScheduleRecord } from '../store/types';
import { EngineError } from '../errors';
import { newId } from '../ids';
import { checkCron, checkTimezone, describeCron, nextTick } from './cron';
import { syncDeclarativeSchedules } from './declarative';
import { runScheduleOf, tickPayload } from './payload';

export interface ScheduleServiceDeps {
  store: RunStore;
  /** Epoch ms now (injectable: tests move time instead of waiting for the next minute). */
  now(): number;
  /** The discovered tasks, once the first build is done. */
  tasks(): Promise<TaskInfo[]>;
  /** Triggers a run of `taskId` with `payload`, marked as triggered by `schedule`. */
  trigger(taskId: string, payload: ScheduledRunPayload, schedule: RunSchedule): Promise<RunRecord>;
  log(line: string): void;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The only environment a local engine has, as Trigger.dev names its dev environment. */
const ENVIRONMENTS = [{ id: 'dev', type: 'DEVELOPMENT' }];

/**
 * Schedules: what the routes and the ticker do with them. A schedule fires at its cron ticks in its time zone; each
 * tick is taken with a compare-and-set on the schedule's next tick, so across engine nodes on one database exactly one
 * node triggers the run. A tick that is already past when it is taken (the engine was busy or suspended) fires once,
 * and the next one is counted from now: ticks in between are not backfilled.
 */
export class ScheduleService {
  constructor(private readonly d: ScheduleServiceDeps) {}

  /** The wire shape of a schedule (Trigger.dev's ScheduleObject). */
  toObject(s: ScheduleRecord): ScheduleObject {
    return {
      id: s.id,
      type: s.type,
      task: s.taskIdentifier,
      active: s.active,
      deduplicationKey: s.userDeduplicationKey ? s.deduplicationKey : null,
      externalId: s.externalId ?? null,
      generator: { type: 'CRON', expression: s.cron, description: describeCron(s.cron) },
      timezone: s.timezone,
      nextRun: iso(s.nextTickAt) ?? null,
      lastRun: iso(s.lastTickAt) ?? null,
      environments: ENVIRONMENTS,
    };
  }

  async get(id: string): Promise<ScheduleRecord> {
    const s = await this.d.store.getSchedule(id);
    if (!s) throw new EngineError('schedule_not_found', `schedule ${id} does not exist`);
    return s;
  }

  async list(page: number, perPage: number): Promise<{ schedules: ScheduleRecord[]; total: number }> {
    return this.d.store.listSchedules({}, (page - 1) * perPage, perPage);
  }

  /** A scheduled task of the workspace, or an error naming the `task` field. */
  private async scheduledTask(taskId: string): Promise<TaskInfo> {
    const tasks = await this.d.tasks();
    const t = tasks.find((x) => x.id === taskId);
    if (!t) throw new EngineError('invalid_request', `task: there is no task "${taskId}" in this workspace`);
    if (t.triggerSource !== 'schedule') {
      throw new EngineError(
        'invalid_request',
        `task: "${taskId}" is not a scheduled task; define it with schedules.task({ id: "${taskId}", run }) to attach schedules`,
      );
    }
    return t;
  }

  /** `schedules.create`: a new IMPERATIVE schedule, or the update of the one with the same deduplicationKey. */
  async create(req: CreateScheduleRequest): Promise<{ schedule: ScheduleRecord; created: boolean }> {
    const cron = checkCron(req.cron);
    const timezone = checkTimezone(req.timezone);
    if (req.deduplicationKey?.startsWith('declarative:') || req.deduplicationKey?.startsWith('auto:')) {
      throw new EngineError('invalid_request', 'deduplicationKey: keys starting with "declarative:" or "auto:" are reserved by Runlight');
    }
    await this.scheduledTask(req.task);
    const now = this.d.now();
    return this.d.store.upsertSchedule({
      id: newId('sched'),
      type: 'IMPERATIVE',
      taskIdentifier: req.task,
      cron,
      timezone,
      active: true,
      ...(req.externalId !== undefined ? { externalId: req.externalId } : {}),
      deduplicationKey: req.deduplicationKey ?? `auto:${newId('sched')}`,
      userDeduplicationKey: req.deduplicationKey !== undefined,
      createdAt: now,
      updatedAt: now,
      nextTickAt: nextTick(cron, timezone, now),
    });
  }

  private async imperative(id: string, what: string): Promise<ScheduleRecord> {
    const s = await this.get(id);
    if (s.type === 'DECLARATIVE') {
      throw new EngineError(
        'invalid_request',
        `schedule ${id} is DECLARATIVE (from schedules.task "${s.taskIdentifier}"): ${what} it by changing the task's cron in its file`,
      );
    }
    return s;
  }

  /** `schedules.update` (IMPERATIVE only): task, cron, time zone and external id; the next tick is counted from now. */
  async update(id: string, req: UpdateScheduleRequest): Promise<ScheduleRecord> {
    const cron = checkCron(req.cron);
    const timezone = checkTimezone(req.timezone);
    const s = await this.imperative(id, 'update');
    await this.scheduledTask(req.task);
    const now = this.d.now();
    const updated = await this.d.store.updateSchedule(id, {
      taskIdentifier: req.task,
      cron,
      timezone,
      ...(req.externalId !== undefined ? { externalId: req.externalId } : {}),
      ...(s.active ? { nextTickAt: nextTick(cron, timezone, now) } : {}),
      updatedAt: now,
    });
    if (!updated) throw new EngineError('schedule_not_found', `schedule ${id} does not exist`);
    return updated;
  }

  /** `schedules.del` (IMPERATIVE only). */
  async delete(id: string): Promise<void> {
    await this.imperative(id, 'delete');
    if (!(await this.d.store.deleteSchedule(id))) throw new EngineError('schedule_not_found', `schedule ${id} does not exist`);
  }

  /** Activates (the next tick counted from now) or deactivates (no next tick) a schedule of either kind. */
  async setActive(id: string, active: boolean): Promise<ScheduleRecord> {
    const s = await this.get(id);
    if (s.active === active) return s;
    const now = this.d.now();
    const updated = await this.d.store.updateSchedule(id, { active, nextTickAt: active ? nextTick(s.cron, s.timezone, now) : null, updatedAt: now });
    if (!updated) throw new EngineError('schedule_not_found', `schedule ${id} does not exist`);
    return updated;
  }

  /** Makes the declarative schedules match the tasks' `cron` (see syncDeclarativeSchedules). */
  syncDeclarative(tasks: readonly TaskInfo[], keepMissing = false): Promise<string[]> {
    return syncDeclarativeSchedules(this.d.store, tasks, { keepMissing, now: this.d.now(), log: this.d.log });
  }

  /**
   * Fires the due tick of `s` (its nextTickAt) if this node wins it: moves the next tick past now, then triggers
   * the run. The run id, or undefined when another node took the tick or it changed meanwhile.
   */
  async fire(s: ScheduleRecord): Promise<string | undefined> {
    const tickAt = s.nextTickAt;
    if (tickAt === undefined || !s.active) return undefined;
    // A task that is not in the workspace now (removed, or its file does not load): the tick passes without a run.
    const known = (await this.d.tasks()).some((t) => t.id === s.taskIdentifier);
    const next = nextTick(s.cron, s.timezone, Math.max(tickAt, this.d.now()));
    if (!(await this.d.store.claimScheduleTick(s.id, tickAt, next, known))) return undefined;
    if (!known) {
      this.d.log(`schedules: ${s.id} ticked but task "${s.taskIdentifier}" is not in the workspace (removed, or its file does not load); no run`);
      return undefined;
    }
    const run = await this.d.trigger(s.taskIdentifier, tickPayload(s, tickAt, next), runScheduleOf(s));
    return run.run.id;
  }

  /** "Run Now": triggers the task with a schedule payload for this moment; the schedule's ticks are unchanged. */
  async runNow(id: string): Promise<RunRecord> {
    const s = await this.get(id);
    const now = this.d.now();
    const next = s.nextTickAt ?? nextTick(s.cron, s.timezone, now);
    return this.d.trigger(s.taskIdentifier, tickPayload(s, now, next), runScheduleOf(s));
  }

  /** Active schedules due at `now`, earliest first. */
  due(limit: number): Promise<ScheduleRecord[]> {
    return this.d.store.dueSchedules(this.d.now(), limit);
  }

  /**
   * On start: every tick that came due while no engine ran is skipped (not backfilled, as Trigger.dev); the next
   * tick is counted from now. Returns how many schedules skipped ticks.
   */
  async skipMissed(): Promise<number> {
    const now = this.d.now();
    let skipped = 0;
    // Bounded: each round moves every schedule it lists past now (or another node did).
    for (let round = 0; round < 100; round++) {
      const due = await this.d.store.dueSchedules(now, 200);
      if (due.length === 0) return skipped;
      for (const s of due) {
        if (s.nextTickAt === undefined) continue;
        if (await this.d.store.claimScheduleTick(s.id, s.nextTickAt, nextTick(s.cron, s.timezone, now), false)) skipped++;
      }
    }
    return skipped;
  }
}
