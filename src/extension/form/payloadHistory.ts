import * as z from 'zod/mini';
import { Json } from '../../protocol/run';

/**
 * The payloads triggered per task, newest first, at most HISTORY_SIZE each (kept in workspaceState under
 * HISTORY_KEY). Pure: reading the stored value (anything, it may come from an older version) and adding to it.
 */

export const HISTORY_KEY = 'runlight.payloadHistory';
/** Before the form: the last payload's text per task (the input box). Read once as a history of one. */
export const LEGACY_KEY = 'runlight.lastPayloads';
export const HISTORY_SIZE = 10;

const Entry = z.object({ payload: Json, at: z.number() });
export type HistoryEntry = z.infer<typeof Entry>;
export type PayloadHistory = Record<string, HistoryEntry[]>;

/** The stored history; entries that do not parse are dropped, and a legacy last payload seeds a task without one. */
export function readHistory(stored: unknown, legacy?: unknown): PayloadHistory {
  const out: PayloadHistory = {};
  if (typeof stored === 'object' && stored !== null && !Array.isArray(stored)) {
    for (const [taskId, list] of Object.entries(stored)) {
      if (!Array.isArray(list)) continue;
      const entries = list.flatMap((e) => {
        const r = Entry.safeParse(e);
        return r.success ? [r.data] : [];
      });
      if (entries.length) out[taskId] = entries.slice(0, HISTORY_SIZE);
    }
  }
  if (typeof legacy === 'object' && legacy !== null) {
    for (const [taskId, text] of Object.entries(legacy)) {
      if (out[taskId] || typeof text !== 'string' || text.trim() === '') continue;
      try {
        const r = Json.safeParse(JSON.parse(text));
        if (r.success) out[taskId] = [{ payload: r.data, at: 0 }];
      } catch {
        // not JSON: nothing to keep
      }
    }
  }
  return out;
}

/** The history with `payload` first for `taskId` (an equal earlier entry moves up), at most HISTORY_SIZE. */
export function remember(history: PayloadHistory, taskId: string, payload: Json, at: number): PayloadHistory {
  const key = JSON.stringify(payload);
  const rest = (history[taskId] ?? []).filter((e) => JSON.stringify(e.payload) !== key);
  return { ...history, [taskId]: [{ payload, at }, ...rest].slice(0, HISTORY_SIZE) };
}

/** One line for a history pick: the payload as compact JSON, cut at `max` characters. */
export function payloadLabel(payload: Json, max = 80): string {
  const text = JSON.stringify(payload);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
