import { readFile } from 'node:fs/promises';
import type { QueueInfo, TaskInfo } from '../../protocol/api';
import type { BundleResult } from './bundle';
import { describeError } from '../../shared/errors';

/** What a worker reports for one bundle (the `indexed` message without its requestId). */
export interface IndexReply {
  /** `hasRetry`: the task has its own `retry` options (the config's `retries.default` does not apply to it). */
  tasks: Array<Omit<TaskInfo, 'filePath' | 'line'> & { hasRetry?: boolean }>;
  /** The queues the file defines (its tasks' own and shared `queue()` objects). */
  queues?: QueueInfo[];
  error?: string;
}

/** Asks a task worker to load a bundle and list its tasks (the engine runs it on its pool). */
export type IndexBundle = (bundlePath: string) => Promise<IndexReply>;

export interface IndexResult {
  tasks: TaskInfo[];
  /** Every queue the files define, by name; a queue defined with two different limits keeps the first. */
  queues: Map<string, QueueInfo>;
  /** Readable, one per problem, each starting with the workspace-relative file. */
  errors: string[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** 1-based line of the `id: "<id>"` literal in a task file's source, if it is written literally. */
export function findIdLine(source: string, id: string): number | undefined {
  const quoted = `(["'\`])${escapeRegExp(id)}\\1`;
  const m = new RegExp(`\\bid\\s*:\\s*${quoted}`).exec(source) ?? new RegExp(quoted).exec(source);
  if (!m) return undefined;
  let line = 1;
  for (let i = 0; i < m.index; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

/** The tasks of one built file, with their file path and source line. */
export interface IndexedFile {
  tasks: Array<TaskInfo & { hasRetry?: boolean }>;
  queues?: QueueInfo[];
  error?: string;
}

export async function indexBundle(result: BundleResult, index: IndexBundle): Promise<IndexedFile> {
  if (!result.bundlePath) return { tasks: [], error: `${result.relPath}: ${result.error ?? 'build failed'}` };
  let reply: IndexReply;
  try {
    reply = await index(result.bundlePath);
  } catch (err) {
    return { tasks: [], error: `${result.relPath}: ${describeError(err)}` };
  }
  const source = await readFile(result.file, 'utf8').catch(() => '');
  const tasks = reply.tasks.flatMap((t) => {
    const line = findIdLine(source, t.id);
    // A task the file only imports (not exported, id not in its source) belongs to the file that defines it.
    if (t.exportName === undefined && line === undefined) return [];
    return [{ ...t, filePath: result.relPath, ...(line !== undefined ? { line } : {}) }];
  });
  return { tasks, ...(reply.queues ? { queues: reply.queues } : {}), ...(reply.error ? { error: `${result.relPath}: ${reply.error}` } : {}) };
}

/**
 * Indexes every bundle on a worker and merges the answers: tasks in file order, a task id
 * defined in two files is kept from the first and reported as an error.
 */
export async function indexTasks(results: readonly BundleResult[], index: IndexBundle): Promise<IndexResult> {
  const perFile = await Promise.all(results.map((r) => indexBundle(r, index)));
  return mergeIndexed(perFile.map((f) => ({ ...f, tasks: f.tasks.map(({ hasRetry: _, ...t }) => t) })));
}

export function mergeIndexed(perFile: ReadonlyArray<IndexedFile & { relPath?: string }>): IndexResult {
  const tasks: TaskInfo[] = [];
  const errors: string[] = [];
  const seen = new Map<string, TaskInfo>();
  const queues = new Map<string, QueueInfo>();
  for (const f of perFile) {
    if (f.error) errors.push(f.error);
    for (const q of f.queues ?? []) {
      const first = queues.get(q.name);
      if (!first || first.concurrencyLimit === undefined) queues.set(q.name, first && q.concurrencyLimit === undefined ? first : q);
      else if (q.concurrencyLimit !== undefined && q.concurrencyLimit !== first.concurrencyLimit) {
        const where = f.relPath ?? f.tasks[0]?.filePath;
        errors.push(
          `${where ? `${where}: ` : ''}queue "${q.name}" is defined with concurrencyLimit ${q.concurrencyLimit} here and ${first.concurrencyLimit} elsewhere; ${first.concurrencyLimit} is used`,
        );
      }
    }
    for (const t of f.tasks) {
      const first = seen.get(t.id);
      if (first) {
        errors.push(`${t.filePath}: task id "${t.id}" is already defined in ${first.filePath}; that one is used`);
        continue;
      }
      seen.set(t.id, t);
      tasks.push(t);
    }
  }
  // A task naming a queue nobody defines still sends its runs there: a queue without a limit.
  for (const t of tasks) if (t.queue !== undefined && !queues.has(t.queue)) queues.set(t.queue, { name: t.queue });
  return { tasks, queues, errors };
}
