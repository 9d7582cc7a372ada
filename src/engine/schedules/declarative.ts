import type { TaskInfo } from '../../protocol/api';
import type { RunStore, ScheduleRecord } from '../store/types';
import { newId } from '../ids';
import { checkCron, checkTimezone, nextTick } from './cron';

/** The deduplication key of a task's declarative schedule: one per task. */
export const declarativeKey = (taskId: string): string => `declarative:${taskId}`;

/**
 * Makes the declarative schedules match the tasks' `cron`: new ones are created, changed ones updated (the next
 * tick counted from now; active state and history kept), ones whose task or cron is gone deleted — unless
 * `keepMissing` (some task file does not load right now, e.g. a syntax error mid-edit: its tasks look gone but are
 * not; their schedules stay, with their id, state and history, until the files load again). A bad cron or time
 * zone is reported (one line per task) and that task gets no schedule. Returns those problems.
 */
export async function syncDeclarativeSchedules(
  store: RunStore,
  tasks: readonly TaskInfo[],
  o: { keepMissing: boolean; now: number; log(line: string): void },
): Promise<string[]> {
  const problems: string[] = [];
  const wanted = new Map<string, { cron: string; timezone: string }>();
  for (const t of tasks) {
    if (!t.schedule) continue;
    try {
      wanted.set(t.id, { cron: checkCron(t.schedule.cron, 'cron'), timezone: checkTimezone(t.schedule.timezone, 'cron.timezone') });
    } catch (e) {
      problems.push(`${t.filePath}: schedules.task "${t.id}": ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const existing = await allDeclarative(store);
  for (const s of existing) {
    const gone = !tasks.some((t) => t.id === s.taskIdentifier);
    if (wanted.has(s.taskIdentifier) || (o.keepMissing && gone)) continue;
    await store.deleteSchedule(s.id);
    o.log(`schedules: removed the declarative schedule of task "${s.taskIdentifier}" (${s.id})`);
  }
  const byTask = new Map(existing.map((s) => [s.taskIdentifier, s]));
  for (const [taskId, w] of wanted) {
    const s = byTask.get(taskId);
    if (s && s.cron === w.cron && s.timezone === w.timezone) continue;
    const { schedule, created } = await store.upsertSchedule({
      id: newId('sched'),
      type: 'DECLARATIVE',
      taskIdentifier: taskId,
      cron: w.cron,
      timezone: w.timezone,
      active: true,
      deduplicationKey: declarativeKey(taskId),
      userDeduplicationKey: false,
      createdAt: o.now,
      updatedAt: o.now,
      nextTickAt: nextTick(w.cron, w.timezone, o.now),
    });
    o.log(`schedules: ${created ? 'registered' : 'updated'} the declarative schedule of task "${taskId}": "${w.cron}" (${w.timezone}) as ${schedule.id}`);
  }
  return problems;
}

async function allDeclarative(store: RunStore): Promise<ScheduleRecord[]> {
  const out: ScheduleRecord[] = [];
  for (let offset = 0; ; offset += 500) {
    const { schedules } = await store.listSchedules({ type: 'DECLARATIVE' }, offset, 500);
    out.push(...schedules);
    if (schedules.length < 500) return out;
  }
}
